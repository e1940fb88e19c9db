// The UI's words in English and Chinese (the English / 中文 switch). Keys
// are the English text; every Chinese label lives in labels.cpp, so the
// font atlas can bake exactly their glyphs.
#pragma once

#include <string>

namespace tisheng::viewer {

void set_chinese(bool on);
[[nodiscard]] bool chinese();
/// The label in the current language (the key itself in English, or when
/// no translation is listed).
[[nodiscard]] const char* tr(const char* english);
/// "label###key": a widget whose ID stays the same across languages.
[[nodiscard]] std::string trid(const char* english);
/// Every Chinese label, for the font atlas.
[[nodiscard]] std::string chinese_label_text();

}  // namespace tisheng::viewer
