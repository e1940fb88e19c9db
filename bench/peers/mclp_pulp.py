"""Maximal covering with PuLP and CBC (Debian's coinor-cbc, /usr/bin/cbc),
the textbook model (Church & ReVelle 1974): binary x_j (open candidate j),
binary y_i (demand i covered), maximise sum w_i y_i subject to
y_i <= sum of x_j over the candidates within the radius of i, and
sum x_j = p. Demand no candidate reaches gets no variable. The pairs come
from a k-d tree (query_ball_point, distance <= radius), as a planner would
build them. Timed: building the model, and prob.solve() (writing the MPS
file, CBC, reading the solution back). The CBC log is parsed for its
result line, bound and gap.

    python3 bench/peers/mclp_pulp.py DIR [--time-limit 300] [--threads 1]
"""
import argparse
import os
import re
import shutil

import numpy as np
import pulp
from scipy.spatial import cKDTree

import common

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--time-limit", type=float, default=300)
ap.add_argument("--threads", type=int, default=1)
a = ap.parse_args()

h = common.header(a.dir)
sites = common.points(a.dir, "sites.f64")
demand = common.points(a.dir, "demand.f64")
weight = common.array(a.dir, "weight.f64", "<f8")
radius, p = float(h["radius"]), int(h["p"])
cbc = shutil.which("cbc") or "/usr/bin/cbc"


def model():
    covers = cKDTree(sites).query_ball_point(demand, r=radius)  # per demand point: candidates within the radius
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat=pulp.LpBinary) for j in range(len(sites))]
    reach = [i for i in range(len(demand)) if covers[i]]
    y = {i: pulp.LpVariable(f"y{i}", cat=pulp.LpBinary) for i in reach}
    prob += pulp.lpSum(weight[i] * y[i] for i in reach)
    prob += pulp.lpSum(x) == p
    for i in reach:
        prob += y[i] <= pulp.lpSum(x[j] for j in covers[i])
    return prob, x, covers


model_s, (prob, x, covers) = common.timed(model)
pairs = sum(len(c) for c in covers)
log_path = os.path.join(a.dir, "cbc.log")
solver = pulp.COIN_CMD(path=cbc, msg=False, timeLimit=a.time_limit, threads=a.threads, logPath=log_path)
solve_s, _ = common.timed(lambda: prob.solve(solver))

opened = [j for j, v in enumerate(x) if (v.value() or 0) > 0.5]
opened_set = set(opened)
covered = np.array([any(j in opened_set for j in c) for c in covers], dtype=bool)
# pulp's sol_status: 1 optimal, 2 integer feasible (stopped early); else
# CBC found no integer solution and what pulp read back is no plan.
feasible = prob.sol_status in (1, 2) and len(opened) == p
objective = float(weight[covered].sum()) if feasible else None

# CBC's own summary: "Result - Optimal solution found" / "Stopped on time
# limit", "Objective value:", "Upper bound:" (of a maximisation), "Gap:".
text = open(log_path).read() if os.path.exists(log_path) else ""
def grab(pattern):
    m = re.search(pattern, text)
    return m.group(1).strip() if m else None
result = grab(r"Result - (.*)")
bound = grab(r"(?:Upper|Lower) bound:\s*(\S+)")
gap = grab(r"Gap:\s*(\S+)")
bound = abs(float(bound)) if bound else None
gap = float(gap) if gap else None
if result and result.startswith("Optimal") and objective is not None:
    bound, gap = objective, 0.0
common.emit(case="mclp", tool="pulp-cbc", threads=a.threads, model_s=model_s, solve_s=solve_s, objective=objective,
            pulp_objective=pulp.value(prob.objective), open=len(opened), pairs=pairs,
            status=pulp.LpStatus[prob.status], sol_status=prob.sol_status, cbc_result=result,
            bound=bound, gap=gap, time_limit_s=a.time_limit, version=f"pulp {pulp.__version__}, {cbc}")
