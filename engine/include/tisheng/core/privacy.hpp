// Personal data in the inputs (contact names, mobile numbers, ID numbers):
// checked when read, masked in every output unless a planner asks for the
// full text in the official forms (--unmasked).
#pragma once

#include <string>
#include <string_view>

namespace tisheng {

/// Each mask leaves text that holds a '*' as it is: masking is idempotent
/// (a run folder keeps masked copies of its inputs, which forms mask again).
///
/// 张*明: the first and the last character kept, the ones between starred
/// (UTF-8 aware); a two-character name keeps its first (张*); one character
/// and empty text are returned as they are.
std::string mask_name(std::string_view name);
/// 138****5678: the first three and the last four digits of an 11-digit
/// mobile number kept; any other text: every digit (0-9 or full-width ０-９)
/// but the last four starred, the rest kept (0595-22345678: ****-****5678).
std::string mask_phone(std::string_view phone);
/// 350582********553X: a resident ID number (18 characters, the first 17
/// digits) keeps its first six (the place code) and its last four
/// characters; other text keeps only its last four characters.
std::string mask_id_number(std::string_view id);

/// A mainland mobile number: 11 digits starting with 1.
bool valid_mobile(std::string_view phone);
/// A GB 11643-1999 resident ID number: 17 digits and a check character
/// (0-9 or X, x accepted) that matches the ISO 7064 MOD 11-2 checksum of the
/// first 17, with a birth date YYYYMMDD (characters 7-14) that exists in the
/// calendar and falls in 1900-2100.
bool valid_id_number(std::string_view id);

}  // namespace tisheng
