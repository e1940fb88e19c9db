// The inputs of a scenario that coverage and siting will use, read when the
// scenario loads so that their errors come before a long run: the cost
// matrix (by the ids coverage gives demand and sites) and a selection plan.
#include <algorithm>

#include "model/detail/loaders.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/core/text.hpp"
#include "tisheng/model/scenario.hpp"

namespace tisheng {

namespace fs = std::filesystem;

CoverageIds coverage_ids(const Scenario& s) {
    CoverageIds ids;
    if (s.programme.kind == ProgrammeKind::stations) {
        for (const Project& p : s.sites.projects) ids.demand.push_back(p.id);
        ids.sites = ids.demand;
        ids.project_sites = s.sites.projects.size();
        for (const CandidateSite& c : s.sites.stations) ids.sites.push_back(c.id);
    } else {
        for (const DemandPoint& d : s.sites.demand) ids.demand.push_back(d.id);
        for (const CandidateBase& b : s.sites.bases) ids.sites.push_back(b.id);
    }
    return ids;
}

namespace detail {

std::shared_ptr<const coverage::CostMatrix> read_cost_matrix(const Scenario& s) {
    const CoverageIds ids = coverage_ids(s);
    const auto& spec = *s.coverage.cost_matrix;
    auto m = std::make_shared<coverage::CostMatrix>(coverage::CostMatrix::read(spec.path, spec.unit, ids.demand, ids.sites));
    // An on-site station serves its own project at no cost, listed or not.
    for (std::uint32_t j = 0; j < ids.project_sites; ++j) {
        m->origin.push_back(j);
        m->destination.push_back(j);
        m->cost.push_back(0);
    }
    return m;
}

std::vector<std::pair<std::string, std::string>> read_plan_order(const fs::path& plan_csv, const std::string& shown) {
    const std::string name = shown.empty() ? plan_csv.string() : shown;
    const std::string text = read_file(plan_csv, name);
    std::vector<std::pair<std::string, std::string>> ids;
    std::size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
    int line = 0, column = -1, variant = -1;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        std::string row = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++line;
        if (trim(row).empty()) continue;
        std::vector<std::string> f;
        if (!split_csv(row, f)) throw InputError(Location{name, line, 1, {}, {}}, "unterminated quote");
        if (column < 0) {
            const auto it = std::find(f.begin(), f.end(), "candidate_id"), vt = std::find(f.begin(), f.end(), "variant");
            if (it == f.end() || vt == f.end())
                throw InputError(Location{name, line, 1, {}, "candidate_id"},
                                 "expected a plan.csv written by `tisheng site`, with candidate_id and variant columns");
            column = static_cast<int>(it - f.begin());
            variant = static_cast<int>(vt - f.begin());
            continue;
        }
        if (f.size() <= static_cast<std::size_t>(std::max(column, variant)))
            throw InputError(Location{name, line, 1, {}, "candidate_id"}, "expected at least " + std::to_string(std::max(column, variant) + 1) + " fields");
        ids.emplace_back(f[static_cast<std::size_t>(column)], f[static_cast<std::size_t>(variant)]);
    }
    return ids;
}

}  // namespace detail

}  // namespace tisheng
