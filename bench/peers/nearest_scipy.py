"""Nearest site of 1,000,000 points among 1,000 sites with SciPy's cKDTree:
build the tree on the sites, then query(k=1), with workers=1 and 2.
Median of --reps. Compares the answer with Tisheng's if it left
tisheng_nearest.i32 in the folder.

    python3 bench/peers/nearest_scipy.py DIR [--threads 1,2] [--reps 5]
"""
import argparse
import os

import numpy as np
import scipy
from scipy.spatial import cKDTree

import common

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--threads", default="1,2")
ap.add_argument("--reps", type=int, default=5)
a = ap.parse_args()

sites = common.points(a.dir, "sites.f64")
demand = common.points(a.dir, "demand.f64")
build_s, tree = common.median_time(lambda: cKDTree(sites), a.reps)
for w in (int(t) for t in a.threads.split(",")):
    query_s, (dist, idx) = common.median_time(lambda: tree.query(demand, k=1, workers=w), a.reps)
    check = {}
    ours = os.path.join(a.dir, "tisheng_nearest.i32")
    if os.path.exists(ours):
        t = np.fromfile(ours, dtype="<i4")
        differ = np.flatnonzero(t != idx)
        # A different site at the same distance is a tie, not an error.
        d_t = np.hypot(*(demand[differ] - sites[t[differ]]).T)
        check = {"differ": int(differ.size), "differ_not_tie": int(np.sum(np.abs(d_t - dist[differ]) > 1e-6))}
    common.emit(case="nearest", tool="scipy", threads=w, build_s=build_s, query_s=query_s, total_s=build_s + query_s,
                reps=a.reps, points=len(demand), sites=len(sites), version=f"scipy {scipy.__version__}", **check)
