// Calibration: fitting the scenario's free parameters (`calibrate:`) to the
// counts the units report (the 情况表 returns), by the simulated method of
// moments (SMM; McFadden 1989, Gouriéroux & Monfort 1996) with common
// random numbers. The simulator is the run's own: each parameter value is a
// variant scenario (its values set as --set would), simulated S times.
//
// - Moments: the mean over S replications of each observed count; the same
//   replications (common random numbers) at every parameter value, so the
//   objective is a smooth function of the parameters, not a noisy one.
// - Objective: Q(θ) = mean_j w_j (obs_j - m_j(θ))². First with Pearson
//   weights w_j = 1 / (obs_j + 1) (counts vary about as a Poisson count
//   does), then again with w_j = 1 / Var_j, the simulated variance of each
//   count at the first estimate (two-step efficient weighting).
// - Search: a Latin-hypercube screen of the ranges, then Nelder-Mead from the
//   best points, in logit coordinates of the ranges (never outside them).
// - Confidence region: the delta-method (sandwich) covariance
//   (1 + 1/S) (G'WG)^-1 G'W Ω W G (G'WG)^-1, with G the moments' Jacobian
//   (central differences, common random numbers) and Ω the counts'
//   covariance simulated at the estimate: the observed returns are one draw
//   of the model. Intervals are taken in logit coordinates and mapped back,
//   so they stay inside the ranges.
// - Determinism: each step's replications are fixed, and threads (and Open
//   MPI ranks) only split the simulations, whose results are summed in
//   replication order: the fit does not depend on the thread or rank count.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tisheng/model/ids.hpp"
#include "tisheng/model/scenario.hpp"
#include "tisheng/simulate/simulate.hpp"

namespace tisheng {

/// The prior of a free parameter is uniform on [lo, hi], or log-uniform
/// (uniform in log) when lo > 0 and hi >= 10 lo: a rate whose range spans a
/// decade or more is as likely to be 0.005 as 0.05 as 0.5.
bool log_uniform(const ParameterRange& r);
/// Where `v` lies in its range, 0 at lo and 1 at hi, on that scale (log
/// for a log-uniform range).
double range_position(const ParameterRange& r, double v);

/// One observed count: a unit (or the whole region) at a month end.
struct Observation {
    int line = 0;                ///< in the file
    std::string unit_text;       ///< as written (id or name)
    std::int32_t unit = all_units;  ///< unit index, or all_units: the whole region
    Date date;
    std::string measure_text;    ///< as written
    std::size_t metric = 0;      ///< Layout::metrics
    std::size_t month = 0;       ///< Layout::months
    double value = 0;
    [[nodiscard]] std::size_t series_index(const Layout& L) const {
        return L.series_index(metric, unit < 0 ? L.all_row() : static_cast<std::size_t>(unit), month);
    }
};

struct ObservationSet {
    std::filesystem::path file;
    std::string digest;  ///< fnv1a64 of the file's bytes
    std::vector<Observation> rows;
};

/// The measures an observation file may name, and the series each reads
/// (docs/calibration.md): for stations 已建/built (stations_open: built and
/// in use), 在建/under_construction, 拟建/planned, 累计建成/built_cumulative;
/// for bases 命名/named, 示范/demonstration, 推荐/recommended (bases_in_review:
/// recommended by the county, in the city's review); or any series name.
std::vector<std::pair<std::string, std::string>> observation_measures(const Layout& layout);

/// Reads a CSV with the columns unit, date, measure, value (UTF-8, a BOM
/// allowed). Each row must name a unit of the scenario (id or Chinese name;
/// "all" or 全市 for the region), a month end inside the run's horizon, a
/// known measure and a count >= 0. Throws InvalidInput listing every bad row
/// with file:line and the column.
ObservationSet read_observations(const std::filesystem::path& file, const Scenario& s, const Layout& layout);

/// The observation file (CSV text) that replication `replication` of `s`
/// gives: per unit, at each of `dates` (month ends of the horizon), the
/// official measures (已建, 在建, 拟建; or 命名, 示范, 推荐). With the true
/// parameters set on `s`, this is a synthetic return to recover them from.
/// Throws InputError for a date that is not a month end of the horizon.
std::string simulated_observations(const Scenario& s, std::uint64_t replication, const std::vector<Date>& dates);

/// What a calibration has found so far (a checkpoint): each stage's output.
struct CalibrationState {
    int stage = 0;  ///< stages done: 1 screen, 2 first estimate, 3 second estimate, 4 covariance
    std::vector<std::vector<double>> screen_theta;
    std::vector<double> screen_q;
    std::vector<double> theta1, theta;  ///< the first and the second (final) estimate
    double q1 = 0, q = 0;
    std::vector<double> weight;         ///< the second step's w_j
    std::size_t evaluations = 0;
    std::vector<double> cov_z;          ///< [K x K]: covariance of the estimate in logit coordinates
    bool singular = false;              ///< G'WG could not be inverted: some direction is not identified
};

struct CalibrationOptions {
    int replications = 100;       ///< S: simulations per parameter value (common to all values)
    int screen = 0;               ///< Latin-hypercube points of the screen; 0: 10 per parameter + 20
    int starts = 3;               ///< Nelder-Mead starts (the screen's best points)
    int max_evaluations = 0;      ///< per Nelder-Mead search; 0: 150 per parameter
    int draws = 200;              ///< from the confidence region, for the predictive
    int predictive_replications = 10; ///< per draw, for the fit bands and P(met)
    int threads = 0;              ///< 0: all cores
    /// The processes the work is split over (Open MPI), or null: each rank
    /// takes every step, the simulations of each divided among them, and
    /// ends with the same numbers as one process.
    RankGroup* ranks = nullptr;
    /// After each stage (screen, first estimate, second, covariance): the
    /// state so far, to write a checkpoint to resume from.
    std::function<void(const CalibrationState&)> on_stage;
    /// Progress: (objective evaluations done, an estimate of all there will be).
    std::function<void(std::size_t, std::size_t)> progress;
};

struct ParameterFit {
    ParameterRange range;
    double estimate = 0;           ///< θ̂
    double sd = 0;                 ///< its standard error (delta method)
    double q05 = 0, q95 = 0;       ///< the 90 % confidence interval
    /// The 90 % interval covers at least 80 % of the range: the data say
    /// little about it.
    bool weakly_identified = false;
};

struct CalibrationResult {
    CalibrationState state;
    std::vector<ParameterFit> parameters;
    std::vector<double> correlation;       ///< of the estimates, [i * k + j]
    /// Statements about identifiability (pairs that the data cannot separate,
    /// parameters they hardly inform), for the page and the CLI.
    std::vector<std::string> identifiability;
    /// Parameter values drawn from the confidence region (the estimate's
    /// normal approximation, in logit coordinates).
    std::vector<std::vector<double>> draws;
    /// The fitted model's predictive of each observation: p05, p50, p95 over
    /// draws x predictive_replications simulations.
    std::vector<Quantiles> fit;
    /// Observations outside the predictive's 1–99 % band: the model misses
    /// them even after fitting.
    std::vector<std::size_t> misfits;
    /// Per target: P(met) under the scenario's own values and under the
    /// fitted model (draws x predictive_replications simulations).
    std::vector<double> p_met_assumed, p_met_fitted;
    int predictive_runs = 0;
    double seconds = 0;
};

/// Calibrates `s` (with `s.calibrate` non-empty) to `obs`. After the screen,
/// the observations are checked against what the model produced over the
/// ranges: one far beyond all of it throws InputError naming the file and
/// line, the value and the range the model reaches. `resume`: the state of
/// a stopped calibration (a checkpoint); its stages are not run again.
CalibrationResult calibrate(const Scenario& s, const ObservationSet& obs, const CalibrationOptions& options,
                            CalibrationState resume = {});

/// The --set lines that give `s` the values `theta` (in Scenario::calibrate
/// order; whole-number parameters rounded).
std::vector<std::string> parameter_overrides(const Scenario& s, const std::vector<double>& theta);

/// Writes DIR: calibration.json (everything above), draws.csv (the draws
/// from the confidence region), fitted.yaml (the scenario with the
/// estimates, their provenance `calibrated` with the date and the
/// observation file's digest) and calibration.html. Each file is written whole or not at
/// all. `created`: ISO 8601 UTC.
void write_calibration(const std::filesystem::path& dir, const Scenario& s, const ObservationSet& obs,
                       const CalibrationResult& r, const CalibrationOptions& options, const std::string& created);

/// The checkpoint of a calibration in DIR (calibration-state.json): the
/// stages done, if they belong to this scenario, observation file and
/// options; an empty state otherwise.
CalibrationState read_checkpoint(const std::filesystem::path& dir, const std::string& fingerprint);
void write_checkpoint(const std::filesystem::path& dir, const std::string& fingerprint, const CalibrationState& state);
/// What identifies a calibration's stages: scenario hash, observation
/// digest, the options that change the numbers, the engine version.
std::string calibration_fingerprint(const Scenario& s, const ObservationSet& obs, const CalibrationOptions& options);

}  // namespace tisheng
