// [MAP] The basemap under the data (docs/basemap.md): the files named with
// --basemap or File → Open basemap, and basemap.tif / basemap.gpkg beside
// the scenario's data, opened off the UI thread; then, as the view moves,
// the raster tile it needs rendered off the UI thread (core/basemap.hpp's
// TileCache says when) and handed to the map renderer.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/basemap.hpp"
#include "core/jobs.hpp"
#include "map_renderer.hpp"

namespace tisheng::viewer {

struct Dataset;

class BasemapLayer {
public:
    /// Opens the basemaps of a dataset in the background: `files`, then
    /// (when `beside_data`) those beside its data files. Forgets the previous ones.
    void load(const Dataset& d, std::vector<std::filesystem::path> files, bool beside_data);
    /// Adds a file to the current dataset's basemaps (opened again, all of them).
    void add(const std::filesystem::path& file);
    /// Once a frame, before the map is drawn: takes what the background
    /// finished (to the renderer), and starts the tile the view needs. Says
    /// what it read or why it could not; true when that includes an error.
    bool update(const view::Camera& camera, MapRenderer& renderer, const std::function<void(std::string)>& message);
    /// Drops what is being opened or rendered (a superseded result never arrives).
    void cancel();

    /// Opening or rendering, until update() has taken the result.
    [[nodiscard]] bool busy() const { return m_opening_pending || m_pending.has_value(); }
    /// Something to draw: a raster tile or lines.
    [[nodiscard]] bool available() const { return m_shown_tile || m_lines; }

private:
    void open_all();
    struct Rendered {
        view::Tile tile;
        view::Image image;
    };
    std::string m_wkt;
    std::vector<std::filesystem::path> m_files;
    Task<view::Basemaps> m_opening;
    Task<Rendered> m_rendering;
    std::shared_ptr<const view::Basemaps> m_maps;
    view::TileCache m_cache;
    std::optional<view::Tile> m_pending;  ///< the tile being rendered
    bool m_shown_tile = false, m_lines = false;
    bool m_opening_pending = false;  ///< the files are being opened
};

}  // namespace tisheng::viewer
