#include "basemap_layer.hpp"

#include <algorithm>
#include <limits>

#include "core/model.hpp"

namespace tisheng::viewer {

namespace fs = std::filesystem;

void BasemapLayer::cancel() {
    // A cancelled job reports "cancelled", never its result (core/jobs.hpp):
    // nothing of the basemaps before can arrive after this.
    m_opening.cancel();
    m_rendering.cancel();
    m_pending.reset();
    m_opening_pending = false;
}

void BasemapLayer::load(const Dataset& d, std::vector<fs::path> files, bool beside_data) {
    cancel();
    m_maps.reset();
    m_cache.reset({}, 0);
    m_shown_tile = m_lines = false;
    m_wkt = d.scenario->region.crs().wkt();
    if (beside_data) {
        std::vector<fs::path> data;
        for (const auto& [role, path] : d.scenario->data_paths) data.push_back(path);
        for (const fs::path& f : view::default_basemaps(data))
            if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
    }
    m_files = std::move(files);
    open_all();
}

void BasemapLayer::add(const fs::path& file) {
    if (m_wkt.empty()) return;  // no dataset yet: nothing to place it in
    cancel();
    m_files.push_back(file);
    open_all();
}

void BasemapLayer::open_all() {
    if (m_files.empty()) return;
    m_opening_pending = true;
    m_opening.start("Basemap", [files = m_files, wkt = m_wkt](Progress&) { return view::open_basemaps(files, wkt); });
}

bool BasemapLayer::update(const view::Camera& camera, MapRenderer& renderer, const std::function<void(std::string)>& message) {
    bool error = false;
    auto say = [&](std::string m) {
        error = error || m.find("error") != std::string::npos;
        message(std::move(m));
    };
    std::string why;
    std::optional<view::Basemaps> opened;
    if (m_opening.poll(opened, why)) {
        m_opening_pending = false;
        if (opened) {
            for (std::string& m : opened->messages) say(std::move(m));
            m_maps = std::make_shared<const view::Basemaps>(std::move(*opened));
            // The tiles come from every raster: their joint extent, the finest resolution.
            tisheng::Box extent{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(),
                                -std::numeric_limits<double>::max()};
            double finest = 0;
            for (const view::RasterSource& r : m_maps->rasters) {
                extent = {std::min(extent.min_x, r.world.min_x), std::min(extent.min_y, r.world.min_y), std::max(extent.max_x, r.world.max_x),
                          std::max(extent.max_y, r.world.max_y)};
                finest = finest > 0 ? std::min(finest, r.metres_per_pixel) : r.metres_per_pixel;
            }
            m_cache.reset(extent, finest);
            renderer.set_basemap({}, {});
            renderer.set_basemap_lines(m_maps->lines);
            m_shown_tile = false;
            m_lines = !m_maps->lines.kind.empty();
        } else {
            say("basemap: could not be opened: " + why);
        }
    }
    std::optional<Rendered> done;
    if (m_rendering.poll(done, why)) {
        if (done) {
            renderer.set_basemap(done->image, done->tile.world);
            m_cache.shown(done->tile);
            m_shown_tile = !done->tile.empty();
        } else if (!why.ends_with("cancelled")) {
            say("basemap " + why);
            if (m_pending) m_cache.shown(*m_pending);  // not asked for again while the view stays in it
        }
        m_pending.reset();
    }
    if (m_maps && !m_maps->rasters.empty() && !m_pending)
        if (auto t = m_cache.needed(camera.visible_world(), camera.metres_per_pixel)) {
            m_pending = *t;
            m_rendering.start("Basemap", [maps = m_maps, tile = *t](Progress& p) {
                return Rendered{tile, view::render_basemap(maps->rasters, maps->world_wkt, tile.world, tile.width, tile.height, &p.cancel)};
            });
        }
    return error;
}

}  // namespace tisheng::viewer
