// Personal data: masking, the checks of mobile and ID numbers, and the
// loaders' warnings on doubtful values (which never show them in full).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tisheng/core/error.hpp"
#include "tisheng/core/privacy.hpp"
#include "tisheng/model/scenario.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

/// The GB 11643 check character of a 17-digit body, computed here from the
/// standard's definition (ISO 7064 MOD 11-2): the weight of position i
/// (1-based from the left) is 2^(18-i) mod 11, and the check value c makes
/// sum + c ≡ 1 (mod 11); c = 10 is written X.
char check_char(const std::string& body17) {
    int sum = 0;
    for (int i = 1; i <= 17; ++i) {
        int w = 1;
        for (int k = 0; k < 18 - i; ++k) w = w * 2 % 11;
        sum += (body17[static_cast<std::size_t>(i - 1)] - '0') * w;
    }
    const int c = ((1 - sum) % 11 + 11) % 11;
    return c == 10 ? 'X' : static_cast<char>('0' + c);
}

/// A copy of a baseline scenario whose data folder is `dir`, holding the
/// shipped data files of that region, with `file` rewritten by `edit`.
template <class Edit>
fs::path scenario_with_data(const std::string& region, const TempDir& dir, const std::string& file, Edit&& edit) {
    const fs::path data = dir / "data";
    fs::create_directories(data);
    for (const auto& e : fs::directory_iterator(source_dir() / "datasets" / region))
        fs::copy_file(e.path(), data / e.path().filename());
    write(data / file, edit(slurp(data / file)));

    std::string text = slurp(source_dir() / "scenarios" / (region + "-baseline.yaml"));
    const std::string key = "\ndata_dir:";
    const auto at = text.find(key);
    EXPECT_NE(at, std::string::npos);
    const auto eol = text.find('\n', at + 1);
    text.replace(at + 1, eol - at - 1, "data_dir: '" + data.string() + "'");
    const fs::path out = dir / (region + "-copy.yaml");
    write(out, text);
    return out;
}

std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    std::istringstream in(line);
    while (std::getline(in, cell, ',')) out.push_back(cell);
    if (!line.empty() && line.back() == ',') out.emplace_back();
    return out;
}

std::string join_csv_line(const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + cells[i];
    return out;
}

/// `csv` with the cell of column `column` on file line `line` (1 = header)
/// replaced by `value`; the old value is stored in `*old`.
std::string replace_cell(const std::string& csv, int line, const std::string& column, const std::string& value,
                         std::string* old = nullptr) {
    std::istringstream in(csv);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    EXPECT_GT(lines.size(), static_cast<std::size_t>(line));
    const auto header = split_csv_line(lines[0]);
    std::size_t col = 0;
    while (col < header.size() && header[col] != column) ++col;
    EXPECT_LT(col, header.size()) << "no column " << column;
    auto cells = split_csv_line(lines[static_cast<std::size_t>(line - 1)]);
    EXPECT_LT(col, cells.size());
    if (old) *old = cells[col];
    cells[col] = value;
    lines[static_cast<std::size_t>(line - 1)] = join_csv_line(cells);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

/// The first cell of file line `line` (the feature's id).
std::string id_on_line(const std::string& csv, int line) {
    std::istringstream in(csv);
    std::string l;
    for (int i = 0; i < line; ++i) std::getline(in, l);
    return split_csv_line(l).at(0);
}

}  // namespace

// ---- masking ------------------------------------------------------------------

TEST(Privacy, MaskName_keepsFirstAndLastCharacterOfUtf8Names) {
    EXPECT_EQ(mask_name("张三明"), "张*明");
    EXPECT_EQ(mask_name("欧阳小明"), "欧**明");
    EXPECT_EQ(mask_name("张三"), "张*");
    EXPECT_EQ(mask_name("司马相如"), "司**如");
    // A character outside the Basic Multilingual Plane (4 bytes: 𠀀) counts as one.
    EXPECT_EQ(mask_name("\xF0\xA0\x80\x80三明"), "\xF0\xA0\x80\x80*明");
    EXPECT_EQ(mask_name("阿卜杜热依木"), "阿****木");
}

TEST(Privacy, MaskName_asciiNamesFollowTheSameRule) {
    EXPECT_EQ(mask_name("Li"), "L*");
    EXPECT_EQ(mask_name("Wang"), "W**g");
    EXPECT_EQ(mask_name("Smith"), "S***h");
}

TEST(Privacy, MaskName_emptyAndOneCharacterAreUnchanged) {
    EXPECT_EQ(mask_name(""), "");
    EXPECT_EQ(mask_name("张"), "张");
    EXPECT_EQ(mask_name("L"), "L");
}

TEST(Privacy, MaskName_invalidUtf8LosesNoBytesAndIsNotMerged) {
    // A stray continuation byte and a truncated sequence count as one character each.
    EXPECT_EQ(mask_name("\x80""ab"), "\x80*b");
    EXPECT_EQ(mask_name("a\xE5\xBC"), "a*\xBC");
}

TEST(Privacy, MaskPhone_mobileKeepsFirstThreeAndLastFour) {
    EXPECT_EQ(mask_phone("13812345678"), "138****5678");
    EXPECT_EQ(mask_phone("19905039860"), "199****9860");
}

TEST(Privacy, MaskPhone_otherTextStarsEveryDigitButTheLastFour) {
    EXPECT_EQ(mask_phone("0595-22345678"), "****-****5678");
    EXPECT_EQ(mask_phone("+86 138 1234 5678"), "+** *** **** 5678");
    EXPECT_EQ(mask_phone("12345"), "*2345");
    EXPECT_EQ(mask_phone("23812345678"), "*******5678");  // 11 digits, not a mobile
    // Full-width digits (typed with a Chinese input method) are digits too.
    EXPECT_EQ(mask_phone("１３８１２３４５６７８"), "*******５６７８");
}

TEST(Privacy, MaskPhone_shortAndEmptyTextIsUnchanged) {
    EXPECT_EQ(mask_phone(""), "");
    EXPECT_EQ(mask_phone("1234"), "1234");
    EXPECT_EQ(mask_phone("110"), "110");
    EXPECT_EQ(mask_phone("n/a"), "n/a");
}

TEST(Privacy, MaskIdNumber_residentIdKeepsPlaceCodeAndLastFour) {
    EXPECT_EQ(mask_id_number("35058219680205553X"), "350582********553X");
    EXPECT_EQ(mask_id_number("11010519491231002X"), "110105********002X");
    EXPECT_EQ(mask_id_number("350502197204208164"), "350502********8164");
}

TEST(Privacy, MaskIdNumber_otherTextKeepsOnlyItsLastFour) {
    EXPECT_EQ(mask_id_number("350582680205553"), "***********5553");  // 15-digit first-generation number
    EXPECT_EQ(mask_id_number("ABC12345"), "****2345");
    EXPECT_EQ(mask_id_number("护照E1234567"), "******4567");
    EXPECT_EQ(mask_id_number("1234"), "1234");
    EXPECT_EQ(mask_id_number("X"), "X");
    EXPECT_EQ(mask_id_number(""), "");
}

// ---- checks ---------------------------------------------------------------------

TEST(Privacy, ValidMobile_isElevenAsciiDigitsStartingWithOne) {
    EXPECT_TRUE(valid_mobile("13812345678"));
    EXPECT_TRUE(valid_mobile("19905039860"));
    EXPECT_FALSE(valid_mobile(""));
    EXPECT_FALSE(valid_mobile("12345"));
    EXPECT_FALSE(valid_mobile("1381234567"));     // 10 digits
    EXPECT_FALSE(valid_mobile("138123456789"));   // 12 digits
    EXPECT_FALSE(valid_mobile("23812345678"));    // does not start with 1
    EXPECT_FALSE(valid_mobile("05952234567"));    // a landline with its area code
    EXPECT_FALSE(valid_mobile("138-1234-5678"));
    EXPECT_FALSE(valid_mobile(" 13812345678"));
    EXPECT_FALSE(valid_mobile("1381234567a"));
    EXPECT_FALSE(valid_mobile("+8613812345678"));
    EXPECT_FALSE(valid_mobile("１３８１２３４５６７８"));  // full-width digits
}

TEST(Privacy, ValidIdNumber_checkCharacterComputedFromTheStandard) {
    // The body: Quanzhou Jinjiang (350582), born 1980-06-15, order code 123.
    const std::string body = "35058219800615123";
    const char c = check_char(body);
    EXPECT_TRUE(valid_id_number(body + c)) << body + c;
    // Every other check character is refused.
    for (char other : std::string("0123456789X")) {
        if (other == c) continue;
        EXPECT_FALSE(valid_id_number(body + other)) << body + other;
    }
}

TEST(Privacy, ValidIdNumber_knownExamples) {
    // 11010519491231002X, worked by hand: digits 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2
    // times weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 give
    // 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 -> "10X98765432"[2] = X.
    EXPECT_TRUE(valid_id_number("11010519491231002X"));
    EXPECT_EQ(check_char("11010519491231002"), 'X');
    // 350502197204208164 (the shipped Quanzhou data): 3 5 0 5 0 2 1 9 7 2 0 4 2 0 8 1 6
    // -> 21+45+0+25+0+8+2+9+42+6+0+36+20+0+64+4+12 = 294; 294 mod 11 = 8 -> '4'.
    EXPECT_TRUE(valid_id_number("350502197204208164"));
}

TEST(Privacy, ValidIdNumber_acceptsLowerCaseX) {
    EXPECT_TRUE(valid_id_number("11010519491231002x"));
    EXPECT_TRUE(valid_id_number("35058219680205553x"));
}

TEST(Privacy, ValidIdNumber_wrongCheckCharacterIsRefused) {
    EXPECT_FALSE(valid_id_number("110105194912310020"));
    EXPECT_FALSE(valid_id_number("350502197204208165"));
    EXPECT_FALSE(valid_id_number("35050219720420816X"));
    EXPECT_FALSE(valid_id_number("35050219720420816Y"));
}

TEST(Privacy, ValidIdNumber_wrongLengthOrCharactersAreRefused) {
    EXPECT_FALSE(valid_id_number(""));
    EXPECT_FALSE(valid_id_number("35050219720420816"));     // 17
    EXPECT_FALSE(valid_id_number("3505021972042081644"));   // 19
    EXPECT_FALSE(valid_id_number("350502720420816"));       // 15-digit first generation
    EXPECT_FALSE(valid_id_number("3505021972042081X4"));    // X only as the check character
    EXPECT_FALSE(valid_id_number(" 350502197204208164"));
    EXPECT_FALSE(valid_id_number("350502197204208164 "));
}

TEST(Privacy, ValidIdNumber_birthDateMustExist) {
    auto with = [](const std::string& yyyymmdd) {
        const std::string body = "350582" + yyyymmdd + "123";
        return body + check_char(body);
    };
    EXPECT_TRUE(valid_id_number(with("19800615")));
    EXPECT_FALSE(valid_id_number(with("19801315"))) << "month 13";
    EXPECT_FALSE(valid_id_number(with("19800015"))) << "month 0";
    EXPECT_FALSE(valid_id_number(with("19800600"))) << "day 0";
    EXPECT_FALSE(valid_id_number(with("19800631"))) << "June 31";
    EXPECT_FALSE(valid_id_number(with("19810229"))) << "not a leap year";
    EXPECT_TRUE(valid_id_number(with("19840229")));
    EXPECT_TRUE(valid_id_number(with("20000229"))) << "2000 is a leap year";
    EXPECT_FALSE(valid_id_number(with("19000229"))) << "1900 is not";
    EXPECT_TRUE(valid_id_number(with("19000101")));
    EXPECT_FALSE(valid_id_number(with("18991231"))) << "before 1900";
    EXPECT_FALSE(valid_id_number(with("21010101"))) << "after 2100";
}

// ---- the loaders' warnings ---------------------------------------------------------

TEST(Privacy, Load_badMobileIsAWarningNamingRowAndFieldMasked) {
    TempDir dir;
    const int line = 6;  // file line of the edited row (1 = header)
    std::string id, old;
    const fs::path sc = scenario_with_data("jiangmen", dir, "projects.csv", [&](const std::string& csv) {
        id = id_on_line(csv, line);
        return replace_cell(csv, line, "mobile", "12345", &old);
    });
    EXPECT_TRUE(valid_mobile(old)) << "the shipped row had a good number";

    Diagnostics warnings;
    Scenario s;
    ASSERT_NO_THROW(s = load_scenario(sc, {}, &warnings));
    ASSERT_EQ(warnings.problems().size(), 1u) << "only the edited row is doubtful";
    const Problem& p = warnings.problems()[0];
    EXPECT_EQ(p.severity, Severity::warning);
    EXPECT_NE(p.where.file.find("projects.csv"), std::string::npos) << p.where.file;
    EXPECT_EQ(p.where.line, line);
    EXPECT_EQ(p.where.feature, "line " + std::to_string(line) + " (id " + id + ")");
    EXPECT_EQ(p.where.field, "mobile");
    EXPECT_NE(p.message.find("11 digits starting with 1"), std::string::npos) << p.message;
    EXPECT_NE(p.message.find("'*2345'"), std::string::npos) << p.message;
    EXPECT_EQ(p.message.find("12345"), std::string::npos) << "shown in full: " << p.message;
    // The row is loaded all the same, its number kept as given.
    bool found = false;
    for (const auto& pr : s.sites.projects)
        if (pr.id == id) {
            found = true;
            EXPECT_EQ(pr.mobile, "12345");
        }
    EXPECT_TRUE(found);
}

TEST(Privacy, Load_badIdCheckCharacterIsAWarningNamingRowAndFieldMasked) {
    TempDir dir;
    const int line = 4;
    std::string id, old, bad;
    const fs::path sc = scenario_with_data("quanzhou", dir, "bases.csv", [&](const std::string& csv) {
        id = id_on_line(csv, line);
        std::string current;
        replace_cell(csv, line, "head_id_number", "", &current);
        bad = current.substr(0, 17) + (current[17] == '0' ? '1' : '0');  // another check character
        return replace_cell(csv, line, "head_id_number", bad, &old);
    });
    ASSERT_TRUE(valid_id_number(old)) << old;
    ASSERT_FALSE(valid_id_number(bad)) << bad;

    Diagnostics warnings;
    Scenario s;
    ASSERT_NO_THROW(s = load_scenario(sc, {}, &warnings));
    ASSERT_EQ(warnings.problems().size(), 1u);
    const Problem& p = warnings.problems()[0];
    EXPECT_EQ(p.severity, Severity::warning);
    EXPECT_NE(p.where.file.find("bases.csv"), std::string::npos) << p.where.file;
    EXPECT_EQ(p.where.line, line);
    EXPECT_EQ(p.where.feature, "line " + std::to_string(line) + " (id " + id + ")");
    EXPECT_EQ(p.where.field, "head_id_number");
    EXPECT_NE(p.message.find("GB 11643"), std::string::npos) << p.message;
    EXPECT_NE(p.message.find("'" + mask_id_number(bad) + "'"), std::string::npos) << p.message;
    EXPECT_EQ(p.message.find(bad), std::string::npos) << "shown in full: " << p.message;
    EXPECT_EQ(p.message.find(bad.substr(6, 8)), std::string::npos) << "birth date shown: " << p.message;
    bool found = false;
    for (const auto& b : s.sites.bases) found = found || b.id == id;
    EXPECT_TRUE(found) << "the base is loaded all the same";
}

TEST(Privacy, Load_landlinePhoneOfABaseIsAWarning) {
    TempDir dir;
    const int line = 3;
    const fs::path sc = scenario_with_data("quanzhou", dir, "bases.csv", [&](const std::string& csv) {
        return replace_cell(csv, line, "phone", "0595-22345678");
    });
    Diagnostics warnings;
    ASSERT_NO_THROW(load_scenario(sc, {}, &warnings));
    ASSERT_EQ(warnings.problems().size(), 1u);
    const Problem& p = warnings.problems()[0];
    EXPECT_EQ(p.where.line, line);
    EXPECT_EQ(p.where.field, "phone");
    EXPECT_NE(p.message.find("'****-****5678'"), std::string::npos) << p.message;
}

TEST(Privacy, Load_shippedDataHaveNoWarnings) {
    for (const char* region : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(region);
        Diagnostics warnings;
        load_scenario(source_dir() / "scenarios" / (std::string(region) + "-baseline.yaml"), {}, &warnings);
        for (const auto& p : warnings.problems()) ADD_FAILURE() << p.str();
    }
}

TEST(Privacy, Cli_validatePrintsTheWarningAndExitsZero) {
    TempDir dir;
    const fs::path sc = scenario_with_data("jiangmen", dir, "projects.csv", [&](const std::string& csv) {
        return replace_cell(csv, 2, "mobile", "12345");
    });
    const auto r = run_cli("validate '" + sc.string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("warning"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("field 'mobile'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("line 2"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("got '*2345'"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("'12345'"), std::string::npos) << r.output;
}
