// The ids of ids.hpp: each text reads back to what wrote it, the texts are
// exactly the ones the outputs have always carried, and what names nothing
// is refused.
#include <gtest/gtest.h>

#include "test_support.hpp"
#include "tisheng/model/ids.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/counterfactual.hpp"

using namespace tisheng;
using namespace tisheng::test;

namespace {

Scenario quanzhou() { return load_scenario(source_dir() / "scenarios" / "quanzhou-baseline.yaml"); }

}  // namespace

TEST(PayerLine, RoundTripsItsText) {
    const PayerLine line{"county", "350526"};
    EXPECT_EQ(to_string(line), "county:350526");
    EXPECT_EQ(parse_payer_line("county:350526"), line);
    // A payer's own id may hold a colon; the unit is after the last one.
    EXPECT_EQ(parse_payer_line("union:county:350526"), (PayerLine{"union:county", "350526"}));
    EXPECT_EQ(parse_payer_line(to_string(PayerLine{"a:b", "c"})), (PayerLine{"a:b", "c"}));
}

TEST(PayerLine, RefusesWhatNamesNoLine) {
    for (const char* id : {"city", "", ":", "county:", ":350526"}) EXPECT_EQ(parse_payer_line(id), std::nullopt) << id;
}

TEST(PayerLine, GroupOfAPayer) {
    Payer line;
    line.id = "county:350526";
    line.unit = "350526";
    EXPECT_EQ(payer_group(line), "county");
    Payer own;  // not expanded: its id is its own, colon and all
    own.id = "fund:2024";
    EXPECT_EQ(payer_group(own), "fund:2024");
}

TEST(PayerLine, TheLoaderExpandsPerUnitPayersIntoLines) {
    const Scenario s = quanzhou();
    std::size_t lines = 0;
    for (const Payer& p : s.budgets.payers) {
        if (p.unit.empty()) {
            EXPECT_EQ(payer_group(p), p.id);
            continue;
        }
        ++lines;
        const auto line = parse_payer_line(p.id);
        ASSERT_TRUE(line.has_value()) << p.id;
        EXPECT_EQ(*line, (PayerLine{s.programme.grants.county_payer, p.unit}));
        EXPECT_EQ(to_string(*line), p.id);
    }
    EXPECT_EQ(lines, s.region.units().size()) << "one county line per unit";
}

TEST(Cause, TheTextsOfTheOutputs) {
    using K = Cause::Kind;
    const auto stations = ProgrammeKind::stations, bases = ProgrammeKind::bases;
    EXPECT_EQ(to_string(Cause{K::payer, "county"}, bases), "payer:county");
    EXPECT_EQ(to_string(Cause{K::all_payers}, stations), "payers:all");
    EXPECT_EQ(to_string(Cause{K::durations}, bases), "durations");
    EXPECT_EQ(to_string(Cause{K::adoption}, stations), "adoption");
    EXPECT_EQ(to_string(Cause{K::adoption}, bases), "application");
    EXPECT_EQ(to_string(Cause{K::review}, stations), "standard");
    EXPECT_EQ(to_string(Cause{K::review}, bases), "review");
    EXPECT_EQ(to_string(Cause{K::round_cap}, bases), "round_cap");
}

TEST(Cause, RoundTripsInEitherProgramme) {
    using K = Cause::Kind;
    for (const auto programme : {ProgrammeKind::stations, ProgrammeKind::bases})
        for (const Cause& c : {Cause{K::payer, "union"}, Cause{K::payer, "payers"}, Cause{K::all_payers}, Cause{K::durations},
                               Cause{K::adoption}, Cause{K::review}}) {
            const std::string id = to_string(c, programme);
            EXPECT_EQ(parse_cause(id, programme), c) << id;
        }
    EXPECT_EQ(parse_cause("round_cap", ProgrammeKind::bases), Cause{K::round_cap});
}

TEST(Cause, RefusesWhatNamesNoLeverOfTheProgramme) {
    const auto stations = ProgrammeKind::stations, bases = ProgrammeKind::bases;
    EXPECT_EQ(parse_cause("application", stations), std::nullopt);  // the bases' adoption
    EXPECT_EQ(parse_cause("standard", bases), std::nullopt);         // the stations' review
    EXPECT_EQ(parse_cause("round_cap", stations), std::nullopt);     // stations have no rounds
    for (const char* id : {"payer:", "payer", "payers", "Durations", "", "payers:any"}) {
        EXPECT_EQ(parse_cause(id, stations), std::nullopt) << id;
        EXPECT_EQ(parse_cause(id, bases), std::nullopt) << id;
    }
}

TEST(Cause, EveryLeverIsItsCauseWithItsText) {
    Scenario s = quanzhou();
    s.programme.round_cap = Programme::RoundCap::even;
    const std::vector<Lever> ls = levers(s);
    ASSERT_FALSE(ls.empty());
    for (const Lever& l : ls) {
        EXPECT_EQ(l.id, to_string(l, s.programme.kind));
        EXPECT_EQ(parse_cause(l.id, s.programme.kind), static_cast<const Cause&>(l)) << l.id;
    }
}

TEST(UnitId, AllUnitsIsAll) {
    const Scenario s = quanzhou();
    EXPECT_EQ(unit_id(s.region, all_units), "all");
    EXPECT_EQ(unit_id(s.region, 0), s.region.units()[0].id);
    EXPECT_THROW((void)unit_id(s.region, static_cast<std::int32_t>(s.region.units().size())), std::out_of_range);
}
