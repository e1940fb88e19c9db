#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "tisheng/model/scenario.hpp"
#include "test_support.hpp"
#include "tisheng/core/text.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

namespace {
fs::path baseline(const char* name) { return source_dir() / "scenarios" / (std::string(name) + "-baseline.yaml"); }

/// A copy of the Jiangmen baseline with one text replaced, in `dir`.
fs::path edited(const TempDir& dir, const std::string& from, const std::string& to) {
    std::string text = slurp(baseline("jiangmen"));
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::string data = (source_dir() / "datasets/jiangmen").string();
    text.replace(text.find("../datasets/jiangmen"), std::string("../datasets/jiangmen").size(), data);
    fs::path f = dir / "s.yaml";
    write(f, text);
    return f;
}

std::vector<Problem> problems_of(const fs::path& f, LoadOptions o = {}) {
    try {
        load_scenario(f, o);
    } catch (const InvalidInput& e) {
        return e.problems();
    } catch (const InputError& e) {
        return {e.problem()};
    }
    return {};
}
}  // namespace

TEST(Scenario, JiangmenBaseline_encodesTheNotice) {
    Scenario s = load_scenario(baseline("jiangmen"));
    EXPECT_EQ(s.region.units().size(), 7u);
    EXPECT_EQ(s.programme.kind, ProgrammeKind::stations);
    ASSERT_EQ(s.programme.targets.size(), 3u);
    const Target& t2023 = s.programme.targets[0];
    EXPECT_EQ(t2023.deadline.iso(), "2023-12-31");
    EXPECT_EQ(t2023.required_for("440703"), 2);
    EXPECT_EQ(t2023.required_for("440784"), 1);
    EXPECT_EQ(s.programme.targets[1].required_for("440785"), 3);
    EXPECT_TRUE(s.programme.targets[2].recurring());
    EXPECT_EQ(s.programme.targets[2].check, CheckDates::year_end);
    EXPECT_DOUBLE_EQ(s.programme.targets[2].required_default, 0.9);
    EXPECT_EQ(s.programme.standard.min_area_m2, 20);
    EXPECT_EQ(s.programme.phases.size(), 4u);
    EXPECT_EQ(s.region.crs().epsg(), 32649);
    EXPECT_GE(s.sites.projects.size(), 800u);
    EXPECT_EQ(s.hash.size(), 16u);
}

TEST(Scenario, QuanzhouBaseline_expandsCountyPayersAndGrantRule) {
    Scenario s = load_scenario(baseline("quanzhou"));
    EXPECT_EQ(s.region.units().size(), 13u);
    EXPECT_EQ(s.programme.kind, ProgrammeKind::bases);
    EXPECT_EQ(s.programme.grants.min_cny, 100000);
    EXPECT_EQ(s.programme.grants.max_cny, 300000);
    EXPECT_EQ(s.programme.grants.county_match_ratio, 1.0);
    EXPECT_EQ(s.programme.review.size(), 4u);
    EXPECT_TRUE(s.programme.review[3].working_days);
    EXPECT_EQ(s.budgets.payers.size(), 1u + 13u);  // the city + one per county-level unit
    bool dehua = false;
    for (const auto& p : s.budgets.payers)
        if (p.id == "county:350526") {
            dehua = true;
            EXPECT_EQ(p.annual_cny, 300000);
            EXPECT_EQ(p.unit, "350526");
        }
    EXPECT_TRUE(dehua);
}

TEST(Scenario, UnknownKey_reportsLineColumnAndSuggestion) {
    TempDir d;
    auto f = edited(d, "replications: 1000", "replicatons: 1000");
    auto ps = problems_of(f);
    ASSERT_EQ(ps.size(), 1u);
    const std::string text = slurp(f);
    EXPECT_EQ(ps[0].where.line, 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(text.find("replicatons")), '\n'));
    EXPECT_EQ(ps[0].where.column, 3);
    EXPECT_EQ(ps[0].where.field, "run.replicatons");
    EXPECT_NE(ps[0].message.find("did you mean 'replications'"), std::string::npos);
}

TEST(Scenario, AllProblems_areReportedTogether) {
    TempDir d;
    std::string text = slurp(edited(d, "seed: 20230808", "sed: 20230808"));
    text.replace(text.find("min_area_m2: 20"), 15, "min_area_m2: -2");
    text.replace(text.find("deadline: 2024-12-31"), 20, "deadline: 2024-13-31");
    write(d / "s.yaml", text);
    auto ps = problems_of(d / "s.yaml");
    EXPECT_EQ(ps.size(), 3u);
}

TEST(Scenario, SetOverride_changesValuesAndIsFingerprinted) {
    LoadOptions o;
    o.overrides = {"run.replications=25", "programme.eligibility.min_workforce=100", "budgets.payers.city_fund.annual_cny=5e6"};
    Scenario s = load_scenario(baseline("jiangmen"), o);
    EXPECT_EQ(s.run.replications, 25);
    EXPECT_EQ(s.programme.eligibility.min_workforce, 100);
    for (const auto& p : s.budgets.payers) {
        if (p.id == "city_fund") {
            EXPECT_EQ(p.annual_cny, 5e6);
        }
    }
    EXPECT_NE(s.hash, load_scenario(baseline("jiangmen")).hash);
}

TEST(Scenario, SetOverride_unknownPathSuggestsAndNamesTheOverride) {
    LoadOptions o;
    o.overrides = {"programme.eligibilty.min_workforce=3"};
    auto ps = problems_of(baseline("jiangmen"), o);
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_NE(ps[0].where.file.find("--set programme.eligibilty"), std::string::npos);
    EXPECT_NE(ps[0].message.find("did you mean 'eligibility'"), std::string::npos);
}

TEST(Scenario, SetOverride_badValueIsLocatedAtTheOverride) {
    LoadOptions o;
    o.overrides = {"run.seed=abc"};
    auto ps = problems_of(baseline("jiangmen"), o);
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].where.file, "--set run.seed=abc");
    EXPECT_EQ(ps[0].where.field, "run.seed");
}

// A data file refused at open (a FIFO, a device, a folder, over the size
// limit, not there, unreadable) is said at the scenario line and field that
// name it, the file itself named in the message; a FIFO is never opened.
TEST(Scenario, DataFiles_refusedAtOpenAreSaidWhereTheScenarioNamesThem) {
    TempDir d;
    const fs::path fifo = d / "ff.csv", folder = d / "folder", big = d / "big.csv", locked = d / "locked.csv";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    fs::create_directories(folder);
    write(big, "x");
    fs::resize_file(big, std::uintmax_t{2} << 30);  // sparse: no disk used
    struct Case {
        std::string from, to, field, says;
    };
    std::vector<Case> cases = {
        {"path: projects.csv", "path: " + fifo.string(), "projects.path", "is not a regular file"},
        {"path: units.geojson", "path: /dev/zero", "units.path", "is not a regular file"},
        {"path: candidate_sites.csv", "path: nothere.csv", "stations.path", "file not found"},
        {"# cost_matrix: {path: od_minutes.csv", "cost_matrix: {path: " + folder.string(), "coverage.cost_matrix.path", "is a folder"},
        {"# cost_matrix: {path: od_minutes.csv", "cost_matrix: {path: " + big.string(), "coverage.cost_matrix.path", "is 2048 MiB"},
        {"  as_of: 2023-07-01", "  as_of: 2023-07-01\n  selection_plan: " + folder.string(), "behaviour.selection_plan", "is a folder"},
    };
    write(locked, "id\n");
    fs::permissions(locked, fs::perms::none);
    if (!std::ifstream(locked))  // root reads it all the same
        cases.push_back({"path: projects.csv", "path: " + locked.string(), "projects.path", "cannot be opened for reading"});
    for (const Case& c : cases) {
        SCOPED_TRACE(c.to);
        const fs::path f = edited(d, c.from, c.to);
        const std::string text = slurp(f);
        const std::string named = c.to.substr(c.to.rfind(' ') + 1);
        const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(text.find(named)), '\n');
        const auto ps = problems_of(f);
        const auto it = std::find_if(ps.begin(), ps.end(), [&](const Problem& p) { return p.where.field == c.field; });
        ASSERT_NE(it, ps.end()) << (ps.empty() ? std::string("accepted") : ps[0].str());
        EXPECT_EQ(it->where.file, f.string());
        EXPECT_EQ(it->where.line, line);
        EXPECT_GT(it->where.column, 0);
        EXPECT_NE(it->message.find(named), std::string::npos) << it->str();
        EXPECT_NE(it->message.find(c.says), std::string::npos) << it->str();
    }
}

// A root that is not a mapping: that alone is said, not the --set edits
// that cannot apply to it.
TEST(Scenario, RootNotAMapping_isTheOnlyErrorEvenWithOverrides) {
    TempDir d;
    LoadOptions o;
    o.overrides = {"run.seed=1"};
    for (const char* text : {"- a\n- b\n", "just a line\n"}) {
        SCOPED_TRACE(text);
        write(d / "s.yaml", text);
        const auto ps = problems_of(d / "s.yaml", o);
        ASSERT_EQ(ps.size(), 1u);
        EXPECT_EQ(ps[0].where.file, (d / "s.yaml").string());
        EXPECT_EQ(ps[0].where.line, 1);
        EXPECT_NE(ps[0].message.find("expected a mapping of keys to values"), std::string::npos) << ps[0].str();
    }
    // A mapping without the key the edit names: the edit is said not to
    // apply (it changes nothing), beside the fields that are missing.
    write(d / "s.yaml", "name: x\n");
    const auto ps = problems_of(d / "s.yaml", o);
    const auto edit = std::find_if(ps.begin(), ps.end(), [](const Problem& p) { return p.where.file == "--set run.seed=1"; });
    ASSERT_NE(edit, ps.end());
    EXPECT_NE(edit->message.find("no key 'run'"), std::string::npos) << edit->str();
    EXPECT_TRUE(std::any_of(ps.begin(), ps.end(), [](const Problem& p) { return p.where.field == "run"; }));
}

TEST(Scenario, LoadDataFalse_readsYamlOnly) {
    LoadOptions o;
    o.load_data = false;
    Scenario s = load_scenario(baseline("quanzhou"), o);
    EXPECT_TRUE(s.sites.bases.empty());
    EXPECT_EQ(s.programme.targets.size(), 3u);
}

TEST(Scenario, ClosestMatch_findsTyposOnly) {
    EXPECT_EQ(closest_match("replicatons", {"seed", "replications", "start"}), "replications");
    EXPECT_EQ(closest_match("zzz", {"seed", "replications"}), "");
}

TEST(Scenario, Eligibility_followsTheRule) {
    Scenario s = load_scenario(baseline("jiangmen"));
    Project p = s.sites.projects.front();
    p.workforce = 49;
    EXPECT_FALSE(is_eligible(p, s.programme.eligibility));
    p.workforce = 50;
    p.start = Date::from_ymd(2024, 1, 1);
    p.planned_end = Date::from_ymd(2024, 5, 1);
    EXPECT_FALSE(is_eligible(p, s.programme.eligibility));  // 4 months < 6
    p.planned_end = Date::from_ymd(2024, 7, 1);
    EXPECT_TRUE(is_eligible(p, s.programme.eligibility));
}

// The viewer's File → Save: the edits land, the data still loads from the
// new folder, and a bad edit leaves the target untouched.
TEST(Scenario, Save_appliesEditsRewritesDataDirAndNeverHalfWrites) {
    TempDir dir;
    const fs::path target = dir / "edited.yaml";
    save_scenario(baseline("jiangmen"), {"budgets.payers.union.annual_cny=1234567", "run.seed=77"}, target);
    const Scenario s = load_scenario(target);
    EXPECT_EQ(s.run.seed, 77u);
    bool found = false;
    for (const auto& p : s.budgets.payers)
        if (p.id == "union") {
            found = true;
            EXPECT_DOUBLE_EQ(p.annual_cny.value_or(0), 1234567);
        }
    EXPECT_TRUE(found);
    EXPECT_EQ(s.sites.projects.size(), load_scenario(baseline("jiangmen")).sites.projects.size());
    EXPECT_NE(slurp(target).find("--set run.seed=77"), std::string::npos);

    // Unchanged and in place: byte for byte, comments kept.
    const fs::path copy = source_dir() / "scenarios" / ".save-test-copy.yaml";
    save_scenario(baseline("quanzhou"), {}, copy);
    EXPECT_EQ(slurp(copy), slurp(baseline("quanzhou")));
    fs::remove(copy);

    // A bad edit: an error naming it, and the earlier file intact.
    const std::string before = slurp(target);
    try {
        save_scenario(baseline("jiangmen"), {"budgets.payers.nobody.annual_cny=1"}, target);
        FAIL() << "expected InvalidInput";
    } catch (const InvalidInput& e) {
        EXPECT_NE(std::string(e.what()).find("nobody"), std::string::npos) << e.what();
    }
    EXPECT_EQ(slurp(target), before);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& f : fs::directory_iterator(dir.path)) ++files;
    EXPECT_EQ(files, 1u) << "no temporary file left behind";
}

// Display names: the scenario's labels, the payers' own names as the
// Chinese default, the built-in ones for the rest.
TEST(Scenario, Labels_targetsPayersAndBuiltIns) {
    const Scenario j = load_scenario(baseline("jiangmen"));
    EXPECT_EQ(j.labels.name("target:stations-2023"), "2023年底建成数");
    EXPECT_EQ(j.labels.name("target:stations-2023", "en"), "Stations built by end 2023");
    EXPECT_EQ(j.labels.name("target:every-eligible-project"), "应建尽建（年底到期项目已建站比例）");
    EXPECT_EQ(j.labels.name("payer:union"), "企业及项目工会经费");  // from budgets.payers' name
    EXPECT_EQ(j.labels.name("payer:union", "en"), "Enterprise and project union funds");
    EXPECT_EQ(j.labels.name("measure:stations_built"), "累计建成提升站数");
    EXPECT_EQ(j.labels.names.count("status:built"), 1u);
    for (const auto& t : j.programme.targets) EXPECT_NE(j.labels.name("target:" + t.id), t.id) << t.id;

    const Scenario q = load_scenario(baseline("quanzhou"));
    for (const auto& t : q.programme.targets) {
        EXPECT_NE(q.labels.name("target:" + t.id), t.id) << t.id;
        EXPECT_NE(q.labels.name("target:" + t.id, "en"), t.id) << t.id;
    }
    EXPECT_EQ(q.labels.name("target:bases-30"), "三年命名30个基地");
    EXPECT_EQ(q.labels.name("payer:county"), "总工会");
    EXPECT_EQ(q.labels.name("payer:county:350526"), "德化县总工会");
    EXPECT_EQ(q.labels.name("payer:county:350526", "en"), "County trade union (Dehua)");
    EXPECT_EQ(q.labels.name("payer:city", "en"), "Quanzhou Federation of Trade Unions");
}

TEST(Scenario, Labels_overrideOneLanguageAndRefuseUnknownKeys) {
    TempDir d;
    auto f = edited(d, "labels:\n  targets:", "labels:\n  levers: {durations: {en: Faster everything}}\n  measures: {stations_biult: {zh: 站}}\n"
                                             "  statuses: {built: {fr: construit}}\n  target: {}\n  targets:");
    auto ps = problems_of(f);
    ASSERT_EQ(ps.size(), 3u);
    EXPECT_EQ(ps[0].where.field, "labels.measures.stations_biult");
    EXPECT_NE(ps[0].message.find("did you mean 'stations_built'"), std::string::npos) << ps[0].message;
    EXPECT_GT(ps[0].where.line, 0);
    EXPECT_NE(ps[1].message.find("unknown key 'fr'"), std::string::npos) << ps[1].message;
    EXPECT_NE(ps[2].message.find("did you mean 'targets'"), std::string::npos) << ps[2].message;

    f = edited(d, "labels:\n  targets:", "labels:\n  levers: {durations: {en: Faster everything}, payer:city_fund: {zh: 市级资金}}\n  targets:");
    const Scenario s = load_scenario(f, {{}, false});
    EXPECT_EQ(s.labels.name("lever:durations", "en"), "Faster everything");
    EXPECT_EQ(s.labels.name("lever:durations", "zh"), "各环节用时取最短");  // the built-in one stays
    EXPECT_EQ(s.labels.name("lever:payer:city_fund"), "市级资金");
}

TEST(Scenario, Counterfactuals_readAndChecked) {
    const Scenario j = load_scenario(baseline("jiangmen"), {{}, false});
    EXPECT_EQ(j.counterfactuals.sample, 100);
    EXPECT_EQ(j.counterfactuals.max_sets, 48);
    EXPECT_DOUBLE_EQ(j.counterfactuals.fix_share, 0.9);
    EXPECT_TRUE(j.counterfactuals.levers.empty());

    TempDir d;
    auto f = edited(d, "  fix_share: 0.9 ", "  fix_share: 0.5\n  levers: [payer:city_fund, durations, adoption]\n ");
    const Scenario s = load_scenario(f, {{}, false});
    EXPECT_DOUBLE_EQ(s.counterfactuals.fix_share, 0.5);
    EXPECT_EQ(s.counterfactuals.levers, (std::vector<std::string>{"payer:city_fund", "durations", "adoption"}));

    f = edited(d, "  sample: 100 ", "  sample: 0 ");
    auto ps = problems_of(f, {{}, false});
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].where.field, "counterfactuals.sample");

    f = edited(d, "  fix_share: 0.9 ", "  fix_share: 0\n  levers: [payer:city_fnd, application, payers:all]\n ");
    ps = problems_of(f, {{}, false});
    ASSERT_EQ(ps.size(), 3u);
    EXPECT_EQ(ps[0].where.field, "counterfactuals.fix_share");
    EXPECT_EQ(ps[1].where.field, "counterfactuals.levers[0]");
    EXPECT_NE(ps[1].message.find("did you mean 'payer:city_fund'"), std::string::npos) << ps[1].message;
    EXPECT_NE(ps[2].message.find("a lever of a bases programme"), std::string::npos) << ps[2].message;
}
