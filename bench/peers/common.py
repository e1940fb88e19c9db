"""Shared by the peer scripts: reading an instance written by
`tisheng_bench_coverage --write-instance`, timing, and result lines."""
import json
import os
import statistics
import sys
import time

import numpy as np


def header(folder):
    """instance.txt as a dict of strings ("key value" lines)."""
    with open(os.path.join(folder, "instance.txt")) as f:
        return dict(line.split(None, 1) for line in f.read().split("\n") if line.strip())


def points(folder, name):
    """An (n, 2) float64 array of x, y metres (raw little-endian pairs)."""
    return np.fromfile(os.path.join(folder, name), dtype="<f8").reshape(-1, 2)


def array(folder, name, dtype):
    return np.fromfile(os.path.join(folder, name), dtype=dtype)


def timed(fn):
    """(seconds, result) of one call, wall clock."""
    t0 = time.perf_counter()
    r = fn()
    return time.perf_counter() - t0, r


def median_time(fn, reps):
    """Median wall time of `reps` calls, and the last result."""
    times, r = [], None
    for _ in range(reps):
        t, r = timed(fn)
        times.append(t)
    return statistics.median(times), r


def emit(**fields):
    """One result as a JSON line on stdout (run.sh collects them)."""
    print(json.dumps(fields), flush=True)


def log(*args):
    print(*args, file=sys.stderr, flush=True)
