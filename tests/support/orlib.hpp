// OR-Library p-median instances (Beasley, EJOR 21, 1985) as siting problems:
// pmedN.txt graphs and the proven optima of pmedopt.txt. Header-only, shared
// by the tests and the siting benchmark.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tisheng/siting/siting.hpp"

namespace tisheng::test::orlib {

struct Instance {
    std::string name;  ///< "pmed1"
    std::size_t n = 0;
    int p = 0;
    std::vector<float> distance;  ///< n x n shortest-path lengths
};

/// Reads pmedN.txt: "n edges p", then "i j cost" per undirected edge
/// (vertices 1-based; an edge listed twice takes its last cost, Beasley's
/// convention), and computes all-pairs shortest paths (Floyd-Warshall,
/// O(n^3): about 0.5 s for n = 900).
inline Instance read_pmed(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot open " + file.string());
    Instance inst;
    inst.name = file.stem().string();
    std::size_t edges = 0;
    if (!(in >> inst.n >> edges >> inst.p)) throw std::runtime_error(file.string() + ": bad header");
    const std::size_t n = inst.n;
    constexpr std::int32_t none = 1 << 29;  // no path yet; twice it still fits
    std::vector<std::int32_t> d(n * n, none);
    for (std::size_t e = 0; e < edges; ++e) {
        std::size_t i = 0, j = 0;
        std::int32_t cost = 0;
        if (!(in >> i >> j >> cost) || i < 1 || j < 1 || i > n || j > n)
            throw std::runtime_error(file.string() + ": bad edge " + std::to_string(e + 1));
        d[(i - 1) * n + (j - 1)] = d[(j - 1) * n + (i - 1)] = cost;
    }
    for (std::size_t i = 0; i < n; ++i) d[i * n + i] = 0;
    for (std::size_t k = 0; k < n; ++k)
        for (std::size_t i = 0; i < n; ++i) {
            const std::int32_t dik = d[i * n + k];
            if (dik == none) continue;
            std::int32_t* row = &d[i * n];
            const std::int32_t* via = &d[k * n];
            for (std::size_t j = 0; j < n; ++j) row[j] = std::min(row[j], dik + via[j]);
        }
    inst.distance.assign(d.begin(), d.end());
    return inst;
}

/// Every vertex is a demand point of weight 1 and a candidate (id: its
/// 1-based number).
inline siting::Problem to_problem(const Instance& inst) {
    siting::Problem pr;
    pr.objective = siting::Objective::p_median;
    pr.weight.assign(inst.n, 1.0);
    pr.candidates.resize(inst.n);
    for (std::size_t k = 0; k < inst.n; ++k) pr.candidates[k].id = std::to_string(k + 1);
    pr.distance = inst.distance;  // symmetric: candidate-major is the same matrix
    pr.p = inst.p;
    return pr;
}

/// pmedopt.txt: instance name -> proven optimal objective.
inline std::map<std::string, double> read_optima(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot open " + file.string());
    std::map<std::string, double> out;
    std::string line;
    while (std::getline(in, line)) {
        const auto space = line.find(' ');
        if (line.rfind("pmed", 0) != 0 || space == std::string::npos) continue;  // the header line
        out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return out;
}

}  // namespace tisheng::test::orlib
