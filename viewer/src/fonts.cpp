#include "fonts.hpp"

#include <imgui.h>

#include <cstdlib>
#include <filesystem>

namespace tisheng::viewer {
namespace {

struct Candidate {
    const char* path;
    int font_no;  ///< face in a .ttc collection
};

// WenQuanYi first: a 5 MB file against Noto's 20 MB, and read faster.
constexpr Candidate candidates[] = {
    {"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0},
    {"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2},  // face 2: Simplified Chinese
    {"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0},
};

std::string g_file;
ImVector<ImWchar> g_ranges;  // must outlive the atlas build

}  // namespace

const std::string& font_file() { return g_file; }

std::string load_fonts(const std::string& text, float size_px) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    std::string chosen;
    int face = 0;
    if (const char* env = std::getenv("TISHENG_FONT"); env && *env) {
        if (std::filesystem::exists(env)) chosen = env;
    }
    if (chosen.empty())
        for (const auto& c : candidates)
            if (std::filesystem::exists(c.path)) {
                chosen = c.path;
                face = c.font_no;
                break;
            }
    if (chosen.empty()) {
        g_file.clear();
        ImFontConfig cfg;
        cfg.SizePixels = size_px;
        io.Fonts->AddFontDefault(&cfg);
        return "no CJK font found (install fonts-wqy-microhei or fonts-noto-cjk, or set TISHENG_FONT); Chinese text shows as '?'";
    }
    ImFontGlyphRangesBuilder builder;
    builder.AddRanges(io.Fonts->GetGlyphRangesDefault());
    builder.AddText(text.c_str());
    builder.AddText("…·–—×≥≤±%（）：，。");
    g_ranges.clear();
    builder.BuildRanges(&g_ranges);
    ImFontConfig cfg;
    cfg.FontNo = face;
    cfg.OversampleH = 1;  // CJK glyphs are dense: no horizontal oversampling keeps the atlas small
    if (!io.Fonts->AddFontFromFileTTF(chosen.c_str(), size_px, &cfg, g_ranges.Data)) {
        io.Fonts->AddFontDefault();
        g_file.clear();
        return "could not read the font " + chosen + "; Chinese text shows as '?'";
    }
    g_file = chosen;
    return {};
}

}  // namespace tisheng::viewer
