// Where each number of a scenario comes from: `sources:`, the inputs, the
// counts of `tisheng validate`.
#include <gtest/gtest.h>

#include <regex>

#include "tisheng/model/scenario.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {

fs::path baseline(const std::string& name) { return source_dir() / "scenarios" / (name + "-baseline.yaml"); }

Scenario yaml_only(const fs::path& f, std::vector<std::string> overrides = {}) {
    LoadOptions o;
    o.load_data = false;
    o.overrides = std::move(overrides);
    return load_scenario(f, o);
}

/// A copy of a baseline in `dir` with each (from, to) replaced once, its
/// data_dir pointing at the shipped data.
fs::path edited(const TempDir& dir, const std::string& name, const std::vector<std::pair<std::string, std::string>>& edits) {
    std::string text = slurp(baseline(name));
    for (const auto& [from, to] : edits) {
        const auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    const std::string rel = "../datasets/" + name;
    text.replace(text.find(rel), rel.size(), (source_dir() / "datasets" / name).string());
    const fs::path f = dir / (name + ".yaml");
    write(f, text);
    return f;
}

std::vector<Problem> problems_of(const fs::path& f) {
    try {
        yaml_only(f);
    } catch (const InvalidInput& e) {
        return e.problems();
    }
    return {};
}

const InputValue* input(const Scenario& s, const std::string& path) {
    for (const auto& v : s.inputs)
        if (v.path == path) return &v;
    return nullptr;
}

/// The runs of three or more Chinese characters in `text`.
std::vector<std::string> chinese_runs(const std::string& text) {
    std::vector<std::string> runs;
    std::string run;
    int chars = 0;
    auto flush = [&] {
        if (chars >= 3) runs.push_back(run);
        run.clear();
        chars = 0;
    };
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        // CJK unified ideographs U+4E00..U+9FFF: E4 B8 80 .. E9 BF BF.
        const bool han = n == 3 && c >= 0xE4 && c <= 0xE9 && !(c == 0xE4 && static_cast<unsigned char>(text[i + 1]) < 0xB8);
        if (han) {
            run += text.substr(i, n);
            ++chars;
        } else {
            flush();
        }
        i += n;
    }
    flush();
    return runs;
}

fs::path seed_of(const std::string& name) {
    const std::string prefix = name == "jiangmen" ? "000_" : "003_";
    const fs::path dir = shared_dir() / "seeds";
    if (!fs::exists(dir)) return {};
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().starts_with(prefix)) return e.path();
    return {};
}

}  // namespace

// The requirement itself: a shipped scenario says where every number and
// every date comes from.
TEST(Provenance, ShippedScenarios_everyNumberAndDateHasASource) {
    for (const std::string name : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(name);
        const Scenario s = yaml_only(baseline(name));
        std::size_t numbers = 0;
        std::map<SourceKind, int> kinds;
        for (const auto& v : s.inputs) {
            if (!v.needs_source) continue;
            ++numbers;
            EXPECT_TRUE(v.source.has_value()) << baseline(name).filename().string() << ":" << v.line << ": " << v.path << " = " << v.value
                                              << " has no provenance";
            if (v.source) ++kinds[v.source->kind];
        }
        EXPECT_GE(numbers, 50u);
        for (SourceKind k : {SourceKind::notice, SourceKind::interpretation, SourceKind::assumption, SourceKind::synthetic})
            EXPECT_GT(kinds[k], 0) << to_string(k);
        const ProvenanceSummary p = summarise_provenance(s);
        EXPECT_EQ(p.without, 0u);
        EXPECT_TRUE(p.warnings.empty());
    }
}

// A note of kind `notice` quotes the notice: each of its runs of Chinese
// text (three characters or more) appears in the notice word for word.
TEST(Provenance, ShippedScenarios_noticeNotesQuoteTheNotice) {
    for (const std::string name : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(name);
        const fs::path seed = seed_of(name);
        if (seed.empty()) GTEST_SKIP() << "the notices (shared/seeds) are not here";
        const std::string notice = slurp(seed);
        const Scenario s = yaml_only(baseline(name));
        for (const auto& [path, src] : s.sources) {
            if (src.kind != SourceKind::notice) continue;
            const auto runs = chinese_runs(src.note);
            EXPECT_FALSE(runs.empty()) << path << ": a notice note quotes the clause: " << src.note;
            for (const auto& r : runs) EXPECT_NE(notice.find(r), std::string::npos) << path << ": '" << r << "' is not in " << seed.filename();
        }
    }
}

TEST(Provenance, ShippedScenarios_readAsDocumented) {
    const Scenario j = yaml_only(baseline("jiangmen"));
    // The 应建尽建 target: an interpretation, except its start date.
    ASSERT_NE(input(j, "programme.targets[2].required"), nullptr);
    EXPECT_EQ(input(j, "programme.targets[2].required")->source->kind, SourceKind::interpretation);
    EXPECT_EQ(input(j, "programme.targets[2].from")->source->kind, SourceKind::notice);
    EXPECT_EQ(input(j, "programme.targets[0].required.440784")->source->kind, SourceKind::notice);
    EXPECT_EQ(input(j, "behaviour.adoption.phases.pilot")->source->kind, SourceKind::assumption);
    EXPECT_EQ(input(j, "budgets.payers[4].annual_cny")->source->kind, SourceKind::synthetic);
    EXPECT_EQ(input(j, "counterfactuals.fix_share")->source->kind, SourceKind::assumption);

    const Scenario q = yaml_only(baseline("quanzhou"));
    EXPECT_EQ(input(q, "programme.quota.per_round")->source->kind, SourceKind::notice);
    EXPECT_EQ(input(q, "programme.review[1].pass")->source->kind, SourceKind::assumption);
    EXPECT_EQ(input(q, "programme.review[3].days")->source->kind, SourceKind::notice);
    const InputValue* yongchun = input(q, "budgets.payers[1].units.350525");
    ASSERT_NE(yongchun, nullptr);
    EXPECT_EQ(yongchun->source->kind, SourceKind::synthetic);
    EXPECT_NE(yongchun->source->note.find("Yongchun"), std::string::npos);
}

// Numbers and dates need a source; ids, names, choices and quoted codes do
// not (they may have one).
TEST(Provenance, Inputs_numbersAndDatesNeedASourceTextDoesNot) {
    const Scenario q = yaml_only(baseline("quanzhou"));
    EXPECT_TRUE(input(q, "run.seed")->needs_source);
    EXPECT_TRUE(input(q, "run.start")->needs_source);
    EXPECT_TRUE(input(q, "programme.application_due")->needs_source);  // 04-30
    EXPECT_TRUE(input(q, "programme.review[0].days[1]")->needs_source);
    EXPECT_FALSE(input(q, "region.code")->needs_source);  // "350500", quoted: a code
    EXPECT_FALSE(input(q, "programme.kind")->needs_source);
    EXPECT_FALSE(input(q, "programme.review[3].working_days")->needs_source);
    EXPECT_EQ(input(q, "sources.run"), nullptr);  // the sources and labels sections are no inputs
    EXPECT_EQ(input(q, "labels.targets.bases-30.zh"), nullptr);
    // File order, with the place in the file.
    EXPECT_EQ(q.inputs.front().path, "name");
    const InputValue* seed = input(q, "run.seed");
    EXPECT_EQ(seed->value, "20200304");
    EXPECT_GT(seed->line, 1);
    EXPECT_GT(seed->column, 1);
}

TEST(Provenance, CoveringSource_longestPrefixWins) {
    std::map<std::string, Source> sources{
        {"a", {SourceKind::notice, "n"}},
        {"a.b", {SourceKind::assumption, "x"}},
        {"a.b[2]", {SourceKind::synthetic, "s"}},
        {"c[0].d", {SourceKind::interpretation, "i"}},
    };
    auto kind_of = [&](const std::string& path) -> std::string {
        const auto* c = covering_source(sources, path);
        return c ? c->first : "none";
    };
    EXPECT_EQ(kind_of("a"), "a");
    EXPECT_EQ(kind_of("a.b"), "a.b");
    EXPECT_EQ(kind_of("a.b.c"), "a.b");
    EXPECT_EQ(kind_of("a.b[1]"), "a.b");
    EXPECT_EQ(kind_of("a.b[2]"), "a.b[2]");
    EXPECT_EQ(kind_of("a.b[2].e.f"), "a.b[2]");
    EXPECT_EQ(kind_of("a.b[20]"), "a.b");  // not a prefix of segments
    EXPECT_EQ(kind_of("a.bc"), "a");       // nor is "a.b" of "a.bc"
    EXPECT_EQ(kind_of("c[0].d[3]"), "c[0].d");
    EXPECT_EQ(kind_of("c[0]"), "none");
    EXPECT_EQ(kind_of("ab"), "none");
}

// In a scenario: a value's own key beats its section's.
TEST(Provenance, Sources_longestPrefixWinsInAScenario) {
    TempDir d;
    const fs::path f = edited(d, "jiangmen",
                              {{"  behaviour: {assumption:", "  behaviour.adoption.phases.pilot: {calibrated: \"fitted to the 2023 reports\"}\n"
                                                             "  behaviour.adoption: {interpretation: \"a reading\"}\n"
                                                             "  behaviour: {assumption:"}});
    const Scenario s = yaml_only(f);
    EXPECT_EQ(input(s, "behaviour.adoption.phases.pilot")->source->kind, SourceKind::calibrated);
    EXPECT_EQ(input(s, "behaviour.adoption.phases.pilot")->source_path, "behaviour.adoption.phases.pilot");
    EXPECT_EQ(input(s, "behaviour.adoption.phases.promotion")->source->kind, SourceKind::interpretation);
    EXPECT_EQ(input(s, "behaviour.adoption.enterprise_has_station")->source_path, "behaviour.adoption");
    EXPECT_EQ(input(s, "behaviour.plan_days[0]")->source->kind, SourceKind::assumption);
    EXPECT_NE(summarise_provenance(s).str().find(" 1 calibrated,"), std::string::npos) << summarise_provenance(s).str();
}

// A list element may be named by its id, as --set names it; the key is
// kept in index form.
TEST(Provenance, Sources_listElementByIdIsKeptByIndex) {
    TempDir d;
    const fs::path f = edited(d, "jiangmen", {{"  budgets.payers[4]: {synthetic:", "  budgets.payers.city_fund.years: {notice: \"a test\"}\n"
                                                                                   "  budgets.payers[4]: {synthetic:"}});
    const Scenario s = yaml_only(f);
    EXPECT_EQ(s.sources.count("budgets.payers[4].years"), 1u);
    EXPECT_EQ(input(s, "budgets.payers[4].years.2023")->source->kind, SourceKind::notice);
    EXPECT_EQ(input(s, "budgets.payers[4].annual_cny")->source->kind, SourceKind::synthetic);
}

TEST(Provenance, Sources_keyNamingNothingIsRefusedWithItsLineAndPath) {
    TempDir d;
    const std::string bad = "  programme.targets[0].requird: {notice: \"三、目标任务\"}\n";
    const fs::path f = edited(d, "jiangmen", {{"  programme.targets[1]: {notice:", bad + "  programme.targets[1]: {notice:"}});
    const auto ps = problems_of(f);
    ASSERT_EQ(ps.size(), 1u);
    const std::string text = slurp(f);
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(text.find(bad)), '\n'));
    EXPECT_EQ(ps[0].where.file, f.string());
    EXPECT_EQ(ps[0].where.line, line);
    EXPECT_EQ(ps[0].where.column, 3);
    EXPECT_EQ(ps[0].where.field, "sources.programme.targets[0].requird");
    EXPECT_NE(ps[0].message.find("names no value of the scenario"), std::string::npos) << ps[0].message;
    EXPECT_NE(ps[0].message.find("did you mean 'programme.targets[0].required'"), std::string::npos) << ps[0].message;
}

TEST(Provenance, Sources_badEntriesAreRefused) {
    struct Case {
        std::string key_line, expected;
    };
    const std::vector<Case> cases{
        {"  run.seed: {notic: \"x\"}", "did you mean 'notice'"},
        {"  run.seed: {notice: \"x\", assumption: \"y\"}", "one kind of source per key"},
        {"  run.seed: {notice: \"\"}", "expected a note saying which clause of the notice"},
        {"  run.seed: notice", "expected one kind of source"},
        {"  budgets.payers.city_fnd: {synthetic: \"x\"}", "did you mean 'budgets.payers.city_fund'"},
        {"  programme.targets[7]: {notice: \"x\"}", "has no element 7 (it has 3)"},
        {"  labels.targets: {notice: \"x\"}", "holds no inputs"},
        {"  run.seed.low: {notice: \"x\"}", "'run.seed' is a single value"},
        // Two spellings of one value (the same key twice is a YAML error, test_cli's corpus).
        {"  budgets.payers.city_fund: {synthetic: \"twice\"}", "names the same value as 'budgets.payers.city_fund'"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.key_line);
        TempDir d;
        const fs::path f = edited(d, "jiangmen", {{"  run.start: {notice:", c.key_line + "\n  run.start: {notice:"}});
        const auto ps = problems_of(f);
        ASSERT_EQ(ps.size(), 1u);
        EXPECT_NE(ps[0].message.find(c.expected), std::string::npos) << ps[0].str();
        EXPECT_GT(ps[0].where.line, 0);
    }
}

// A value that --set replaced comes from the command line, whatever the
// file said of the value it replaced.
TEST(Provenance, SetOverride_isTheCommandLinesAssumption) {
    const Scenario s = yaml_only(baseline("jiangmen"), {"programme.targets[0].required.default=3", "budgets.payers.union.annual_cny=2e6"});
    const InputValue* v = input(s, "programme.targets[0].required.default");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->value, "3");
    EXPECT_EQ(v->source->kind, SourceKind::assumption);
    EXPECT_EQ(v->source_path, "--set programme.targets[0].required.default=3");
    EXPECT_EQ(v->line, 0);
    EXPECT_EQ(input(s, "budgets.payers[1].annual_cny")->value, "2e6");
    EXPECT_EQ(input(s, "budgets.payers[1].annual_cny")->source->kind, SourceKind::assumption);
    EXPECT_EQ(input(s, "programme.targets[0].required.440784")->source->kind, SourceKind::notice);
}

TEST(Provenance, Summary_countsByKindAndWarnsWhereTheSourceIsMissing) {
    TempDir d;
    const std::string line = "  counterfactuals: {assumption: \"a cost/precision choice of the analysis: 100 missed replications re-run, at most 48 lever sets, a set fixes a check when it fixes 90 % of its misses\"}\n";
    const fs::path f = edited(d, "jiangmen", {{line, ""}});
    const Scenario s = yaml_only(f);
    const ProvenanceSummary p = summarise_provenance(s);
    EXPECT_EQ(p.without, 3u);
    ASSERT_EQ(p.warnings.size(), 3u);
    EXPECT_EQ(p.warnings[0].severity, Severity::warning);
    EXPECT_EQ(p.warnings[0].where.field, "counterfactuals.sample");
    EXPECT_GT(p.warnings[0].where.line, 0);
    EXPECT_NE(p.warnings[0].message.find("no provenance"), std::string::npos);
    EXPECT_NE(p.str().find(", 3 without"), std::string::npos) << p.str();
    EXPECT_TRUE(p.str().starts_with("provenance: "));
    EXPECT_EQ(p.str().find("calibrated"), std::string::npos) << "calibrated shows only when there is any";
}

TEST(Provenance, Validate_printsTheCountsAndListsTheNumbersWithout) {
    for (const char* name : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(name);
        const auto r = run_cli(std::string("validate scenarios/") + name + "-baseline.yaml");
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(provenance: \d+ notice, \d+ interpretation, \d+ assumption, \d+ synthetic, 0 without)")))
            << r.output;
        EXPECT_EQ(r.output.find("no provenance"), std::string::npos) << r.output;
    }
    TempDir d;
    const fs::path g = edited(d, "quanzhou", {{"  programme.quota.bases: {notice: \"一、目标任务: 用三年时间建设30家产业工人技能培训基地\"}\n", ""}});
    const auto r = run_cli("validate '" + g.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;  // a warning, not an error
    EXPECT_NE(r.output.find("warning: field 'programme.quota.bases': the value 30 has no provenance"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(", 1 without"), std::string::npos) << r.output;
}
