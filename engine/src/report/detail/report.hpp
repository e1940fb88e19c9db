// Internals of report.html shared by its two files: report.cpp (the page,
// its tables and sections, the names and numbers below) and
// report_figures.cpp (the maps and charts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tisheng/report/report.hpp"
#include "tisheng/simulate/counterfactual.hpp"

namespace tisheng::detail::report {

/// snprintf of up to four numbers (SVG attributes, a few cells).
std::string fmt(const char* f, double a, double b = 0, double c = 0, double d = 0);

// ---- names and numbers

/// A display name (zh, with en beside it when it differs) and the id in small print.
std::string named(const std::string& zh, const std::string& en, const std::string& id);
std::string target_html(const Scenario& s, const Target& t);
std::string measure_html(const Scenario& s, Measure m);
/// A payer (Results::payers[p]): the scenario's labels, else its name.
std::string payer_html(const Scenario& s, std::size_t p, const std::string& id);
std::string payer_text(const Scenario& s, std::size_t p, const std::string& id);
std::string lever_html(const Scenario& s, const Lever& l);
/// A unit by its names; u < 0: the city.
std::string unit_html(const Scenario& s, std::int32_t u);
/// "p50 [p05–p95]" in the measure's kind.
std::string range_text(Measure m, const Quantiles& q);
std::string count_range(const Quantiles& q);
/// A month as "2025-06"; `never` as "not by <end>".
std::string month_text(std::int32_t days, Date end);
std::string status_label(double p);
/// A table cell showing a probability on the report's ramp.
std::string p_cell(double p);
/// The index of the first month end on or after `d` (the last one if none).
std::size_t month_of(const Layout& L, Date d);
/// The distinct check dates of target `t`, in order.
std::vector<Date> check_dates(const Layout& L, std::size_t t);
/// The check of target `t` for unit `u` at `d`, or checks.size().
std::size_t find_check(const Layout& L, std::size_t t, std::int32_t u, Date d);

// ---- figures (report_figures.cpp)

/// A unit's (or the city's) count over time: p05-p95 band, median, target steps.
std::string progress_chart(const Results& r, std::size_t metric, std::size_t row, const std::vector<std::pair<Date, double>>& steps,
                           const std::string& title);
/// Spent (median) against allocated, per year, as paired bars.
std::string money_chart(const Results::PayerResult& p, const Layout& L, const std::string& title);
/// The maps of the targets: per target and check date, the units filled by
/// the median against the requirement (one map per date for the city-wide
/// targets), with the sites on top.
std::string maps_section(const Scenario& s, const Results& r, std::size_t max_drawn_points);
/// The coverage of the median replication at the end: its map, legend and
/// shares per radius beside those of every replication. Empty without radii.
std::string coverage_section(const Scenario& s, const Results& r, std::size_t max_drawn_points);

}  // namespace tisheng::detail::report
