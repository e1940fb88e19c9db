// The UI font: a CJK font from Debian (WenQuanYi Micro Hei, or Noto Sans CJK
// SC), baked with only the glyphs the labels and the data use (~10 ms,
// against ~300 ms and a 4096 x 8192 atlas for the whole Chinese range).
#pragma once

#include <string>

namespace tisheng::viewer {

/// Rebuilds the font atlas for `text`'s characters (plus Latin). Returns a
/// warning (empty if none): no CJK font found falls back to ImGui's own
/// font, which shows Chinese as '?'. The GL font texture must be recreated
/// afterwards.
std::string load_fonts(const std::string& text, float size_px);
/// The font file used ("" for the fallback).
const std::string& font_file();

}  // namespace tisheng::viewer
