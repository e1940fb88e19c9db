// Text helpers shared by every reader and writer: CSV records and fields,
// UTF-8 checks, exact numbers, fingerprints, and the "did you mean" hint.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tisheng {

/// `s` without leading and trailing blanks (space, tab, CR, LF).
std::string_view trim(std::string_view s);
/// Splits one CSV record (RFC 4180 quoting, no embedded newlines), each
/// field trimmed. Returns false on an unterminated quote.
bool split_csv(std::string_view line, std::vector<std::string>& out);

/// True if `s` is well-formed UTF-8.
bool is_utf8(std::string_view s);

/// FNV-1a 64-bit hash as 16 hex digits (scenario fingerprints).
std::string fnv1a_hex(std::string_view bytes);

/// One CSV field (RFC 4180): quoted, with doubled quotes, when it holds a
/// comma, a quote or a line break.
std::string csv_field(std::string_view v);

/// The shortest text that reads back to the same double, with whole numbers
/// below 1e15 written out (2000000, not 2e+06); "" for NaN.
std::string exact_number(double v);

/// The closest candidate within edit distance 2 (or a third of the word),
/// or empty.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);
/// "; did you mean 'HINT'?", or empty when `hint` is: the one wording of
/// every unknown-name message.
std::string did_you_mean(const std::string& hint);

}  // namespace tisheng
