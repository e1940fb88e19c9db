#include "tisheng/core/privacy.hpp"

#include <cstddef>
#include <vector>

namespace tisheng {

namespace {

/// The text cut into characters: each a UTF-8 sequence, or a single byte
/// where the text is not valid UTF-8 (so nothing is ever lost or merged).
std::vector<std::string_view> characters(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto lead = static_cast<unsigned char>(s[i]);
        std::size_t len = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
        std::size_t n = 1;
        while (n < len && i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        if (n < len) n = 1;  // a truncated sequence: its lead byte alone
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

bool ascii_digit(char c) { return c >= '0' && c <= '9'; }

/// 0-9, or their full-width forms ０-９ (U+FF10..U+FF19), as typed with a
/// Chinese input method.
bool is_digit(std::string_view ch) {
    if (ch.size() == 1) return ascii_digit(ch[0]);
    return ch.size() == 3 && static_cast<unsigned char>(ch[0]) == 0xEF && static_cast<unsigned char>(ch[1]) == 0xBC &&
           static_cast<unsigned char>(ch[2]) >= 0x90 && static_cast<unsigned char>(ch[2]) <= 0x99;
}

bool all_ascii_digits(std::string_view s) {
    for (char c : s)
        if (!ascii_digit(c)) return false;
    return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/// A real calendar date, year 1900-2100, from 8 ASCII digits YYYYMMDD.
bool valid_birth_date(std::string_view yyyymmdd) {
    auto num = [&](std::size_t at, std::size_t len) {
        int v = 0;
        for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (yyyymmdd[i] - '0');
        return v;
    };
    const int y = num(0, 4), m = num(4, 2), d = num(6, 2);
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
    static constexpr int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return d <= days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
}

}  // namespace

std::string mask_name(std::string_view name) {
    if (name.find('*') != std::string_view::npos) return std::string(name);  // masked already
    const auto ch = characters(name);
    if (ch.size() < 2) return std::string(name);
    std::string out(ch.front());
    if (ch.size() == 2) return out + '*';
    out.append(ch.size() - 2, '*');
    out += ch.back();
    return out;
}

std::string mask_phone(std::string_view phone) {
    if (phone.find('*') != std::string_view::npos) return std::string(phone);  // masked already
    if (valid_mobile(phone)) return std::string(phone.substr(0, 3)) + "****" + std::string(phone.substr(7));
    const auto ch = characters(phone);
    std::size_t digits = 0;
    for (auto c : ch) digits += is_digit(c) ? 1 : 0;
    std::string out;
    std::size_t seen = 0;
    for (auto c : ch) {
        if (is_digit(c) && seen++ + 4 < digits)
            out += '*';
        else
            out += c;
    }
    return out;
}

std::string mask_id_number(std::string_view id) {
    if (id.find('*') != std::string_view::npos) return std::string(id);  // masked already
    if (id.size() == 18 && all_ascii_digits(id.substr(0, 17)))
        return std::string(id.substr(0, 6)) + std::string(8, '*') + std::string(id.substr(14));
    const auto ch = characters(id);
    std::string out;
    for (std::size_t i = 0; i < ch.size(); ++i) {
        if (i + 4 < ch.size())
            out += '*';
        else
            out += ch[i];
    }
    return out;
}

bool valid_mobile(std::string_view phone) { return phone.size() == 11 && phone[0] == '1' && all_ascii_digits(phone); }

bool valid_id_number(std::string_view id) {
    if (id.size() != 18 || !all_ascii_digits(id.substr(0, 17))) return false;
    static constexpr int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) sum += (id[i] - '0') * weights[i];
    const char expected = "10X98765432"[sum % 11];
    const char got = id[17] == 'x' ? 'X' : id[17];
    return got == expected && valid_birth_date(id.substr(6, 8));
}

}  // namespace tisheng
