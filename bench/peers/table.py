"""Reads the JSON lines run.sh collected (Tisheng's and the peers') and
prints two markdown tables: the issue's targets, and every comparison.

    python3 bench/peers/table.py RESULTS.jsonl
"""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]


def get(case, tool, threads=None):
    for r in rows:
        if r["case"] == case and r["tool"] == tool and (threads is None or r.get("threads") == threads):
            return r
    return None


def f(v, spec=".3f"):
    return "—" if v is None else format(v, spec)


def ratio(peer, ours):
    return "—" if peer is None or ours is None or ours <= 0 else f"{peer / ours:.1f}×"


def val(r, key):
    return None if r is None else r.get(key)


def status(ok):
    return "—" if ok is None else ("met" if ok else "**missed**")


# --- targets -----------------------------------------------------------------
n1, s1 = get("nearest", "tisheng", 1), get("nearest", "scipy", 1)
sf1, g = get("surface", "tisheng", 1), get("surface", "gdal")
gw = get("surface_write", "gdal")
t_n, p_n = val(n1, "total_s"), val(s1, "total_s")
t_s = val(sf1, "compute_s")
print("| target | measured | |")
print("|---|---|---|")
if n1:
    print(f"| nearest site, 1M points / 1,000 sites, 1 core: ≤ 0.15 s | {f(t_n)} s (build {f(val(n1, 'build_s'), '.4f')} + query {f(val(n1, 'query_s'))}) | {status(t_n <= 0.15)} |")
if n1 and s1:
    print(f"| … ≥ 2× faster than SciPy cKDTree (workers=1) | {ratio(p_n, t_n)} ({f(p_n)} s) | {status(p_n >= 2 * t_n)} |")
if sf1:
    print(f"| distance surface 8192², 1,000 sites, 1 core: ≤ 0.6 s | {f(t_s)} s | {status(t_s <= 0.6)} |")
if sf1 and gw:
    print(f"| … ≥ 3× faster than `gdal_proximity.py` (the command, {f(val(gw, 'total_s'), '.2f')} s) | {ratio(val(gw, 'total_s'), t_s)} | {status(val(gw, 'total_s') >= 3 * t_s)} |")
if sf1 and g:
    print(f"| … and than GDAL's computation alone (`gdal.ComputeProximity` to memory, {f(val(g, 'compute_s'), '.2f')} s) | {ratio(val(g, 'compute_s'), t_s)} | {status(val(g, 'compute_s') >= 3 * t_s)} |")
    print(f"| … error against the exact distance no worse than GDAL's (max / mean over the sampled cells) | Tisheng {f(val(sf1, 'max_err_m'), '.2g')} / {f(val(sf1, 'mean_err_m'), '.2g')} m, GDAL {f(val(g, 'max_err_m'), '.2f')} / {f(val(g, 'mean_err_m'), '.2f')} m | {status(val(sf1, 'max_err_m') <= val(g, 'max_err_m'))} |")
print()

# --- all comparisons ---------------------------------------------------------
print("| case | threads | Tisheng | s | peer | s | peer / Tisheng | notes |")
print("|---|---:|---|---:|---|---:|---:|---|")
for t in (1, 2):
    a, b = get("nearest", "tisheng", t), get("nearest", "scipy", t)
    if a or b:
        note = ""
        if b and "differ_not_tie" in b:
            note = f"answers differ from SciPy's on {b['differ_not_tie']} points (ties aside)"
        print(f"| nearest, 1M points / 1,000 sites | {t} | NearestIndex build + query ({f(val(a, 'build_s'), '.4f')} + {f(val(a, 'query_s'), '.4f')}) | {f(val(a, 'total_s'))} "
              f"| cKDTree build + query(k=1, workers={t}) ({f(val(b, 'build_s'), '.4f')} + {f(val(b, 'query_s'), '.4f')}) | {f(val(b, 'total_s'))} | {ratio(val(b, 'total_s'), val(a, 'total_s'))} | {note} |")
for t in (1, 2):
    a = get("surface", "tisheng", t)
    if a or g:
        note = (f"max / mean error: Tisheng {f(val(a, 'max_err_m'), '.2g')} / {f(val(a, 'mean_err_m'), '.2g')} m, "
                f"GDAL {f(val(g, 'max_err_m'), '.2f')} / {f(val(g, 'mean_err_m'), '.2f')} m")
        print(f"| distance surface 8192² (12.5 m), compute | {t} | `distance_surface` | {f(val(a, 'compute_s'))} "
              f"| `gdal.ComputeProximity` to a MEM raster (1 thread) | {f(val(g, 'compute_s'))} | {ratio(val(g, 'compute_s'), val(a, 'compute_s'))} | {note} |")
for t in (1, 2):
    a = get("surface_write", "tisheng", t)
    if a or gw:
        note = (f"Tisheng writes tiled DEFLATE ({f(val(a, 'bytes'), ',')} B; write {f(val(a, 'write_s'), '.2f')} s on all cores), "
                f"GDAL uncompressed ({f(val(gw, 'bytes'), ',')} B)")
        print(f"| distance surface, compute + GeoTIFF | {t} | `distance_surface` + `write_geotiff` | {f(val(a, 'total_s'))} "
              f"| `gdal_proximity.py -distunits GEO -ot Float32` | {f(val(gw, 'total_s'))} | {ratio(val(gw, 'total_s'), val(a, 'total_s'))} | {note} |")
gd = get("surface_write_deflate", "gdal")
for t in (1, 2):
    a = get("surface_write", "tisheng", t)
    if a and gd:
        print(f"| distance surface, compute + the same GeoTIFF | {t} | `distance_surface` + `write_geotiff` | {f(val(a, 'total_s'))} "
              f"| `gdal_proximity.py`, then `gdal_translate` to tiled DEFLATE + predictor 3 | {f(val(gd, 'total_s'))} | {ratio(val(gd, 'total_s'), val(a, 'total_s'))} "
              f"| translate {f(val(gd, 'translate_s'), '.2f')} s; {f(val(gd, 'bytes'), ',')} B |")
m, c = get("mclp", "tisheng"), get("mclp", "pulp-cbc")
if m or c:
    t_m = None if m is None else m["reach_s"] + m["solve_s"]
    p_m = None if c is None else c["model_s"] + c["solve_s"]
    note = []
    if m:
        note.append(f"Tisheng covers {f(m['objective'], ',.0f')} of {f(m['total_weight'], ',.0f')} ({f(m['coverable_weight'], ',.0f')} within reach of some candidate); reach {f(m['reach_s'])} s + heuristic {f(m['solve_s'])} s (time limit {f(m['time_limit_s'], 'g')} s)")
    if c:
        gap = "" if c.get("gap") is None else f", gap {c['gap']:.4g}"
        bound = "" if c.get("bound") is None else f", bound {c['bound']:,.0f}"
        note.append(f"CBC covers {f(c['objective'], ',.0f')} ({c['status']}; “{c.get('cbc_result')}”{bound}{gap}); model {f(c['model_s'])} s + solve {f(c['solve_s'])} s (limit {f(c['time_limit_s'], 'g')} s)")
    if m and c and c.get("objective"):
        note.append(f"Tisheng / CBC objective {m['objective'] / c['objective']:.4f}")
    print(f"| maximal covering, 10,000 demand / 1,000 candidates, p = 50, 3 km | 1 | `reach` + `solve_heuristic` | {f(t_m)} "
          f"| PuLP model + CBC (threads={val(c, 'threads')}) | {f(p_m)} | {ratio(p_m, t_m)} | {'; '.join(note)} |")
fc = get("surface_file_check", "tisheng")
if fc:
    print()
    print(f"Check on Tisheng's GeoTIFF as written (read back with GDAL): max / mean error {fc['max_err_m']:.2g} / {fc['mean_err_m']:.2g} m.")
