#include <gtest/gtest.h>

#include "tisheng/scenario.hpp"
#include "tisheng/synth.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

// The shipped data is synth's output at scale 1 with the default seed.
TEST(Synth, ShippedDatasetsAreItsOutputAtScaleOne) {
    for (const char* region : {"jiangmen", "quanzhou"}) {
        SCOPED_TRACE(region);
        TempDir d;
        auto files = synthesize({region, 1, SynthOptions{}.seed}, d.path);
        ASSERT_EQ(files.size(), 3u);
        for (const auto& f : files) {
            fs::path shipped = source_dir() / "datasets" / region / f.filename();
            ASSERT_TRUE(fs::exists(shipped)) << shipped;
            EXPECT_TRUE(slurp(f) == slurp(shipped)) << f.filename() << " differs from the shipped file; "
                                                    << "regenerate with: tisheng synth " << region << " --out datasets/" << region;
        }
    }
}

TEST(Synth, SeedChangesTheDataAndScaleMultipliesIt) {
    TempDir a, b;
    synthesize({"jiangmen", 1, 1}, a.path);
    synthesize({"jiangmen", 3, 2}, b.path);
    std::string pa = slurp(a / "projects.csv"), pb = slurp(b / "projects.csv");
    EXPECT_NE(pa.substr(0, 2000), pb.substr(0, 2000));
    auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n') - 1; };
    EXPECT_EQ(lines(pa), 1200);
    EXPECT_EQ(lines(pb), 3600);
}

TEST(Synth, RejectsUnknownRegionAndBadScale) {
    TempDir d;
    EXPECT_THROW(synthesize({"atlantis", 1, 1}, d.path), UsageError);
    EXPECT_THROW(synthesize({"jiangmen", 0, 1}, d.path), UsageError);
    EXPECT_THROW(synthesize({"jiangmen", -2, 1}, d.path), UsageError);
}

// Synthetic data at another scale and seed validates against the baseline
// rules: every site inside its unit, no duplicate ids.
TEST(Synth, ScaledDataValidatesWithTheBaselineScenario) {
    TempDir d;
    synthesize({"quanzhou", 2.5, 99}, d.path);
    LoadOptions o;
    o.overrides = {"data_dir=" + d.path.string()};
    Scenario s = load_scenario(source_dir() / "scenarios/quanzhou-baseline.yaml", o);
    EXPECT_EQ(s.sites.bases.size(), 275u);
    EXPECT_EQ(s.sites.demand.size(), 12500u);
}

TEST(Synth, NationalWritesARunnableScenario) {
    TempDir d;
    auto files = synthesize({"national", 0.01, 5}, d.path);
    Scenario s = load_scenario(d / "scenario.yaml");
    EXPECT_EQ(s.region.units().size(), 2800u);
    EXPECT_EQ(s.sites.projects.size(), 5000u);
}
