"""Distance surface with GDAL: the sites rasterised into a Byte GeoTIFF on
the instance's grid (a site's cell = 1), then `gdal_proximity.py src dst
-distunits GEO -ot Float32`, timed as a whole process (what a planner runs:
compute + write an uncompressed striped GeoTIFF). Also timed:
gdal.ComputeProximity into an in-memory raster (compute only), and
gdal_translate of the result into what Tisheng's write_geotiff writes
(tiled 256, DEFLATE, floating-point predictor). Errors: |value - exact Euclidean distance from the
cell centre to the true site positions| on the instance's sampled cells.
GDAL measures to the centres of the sites' cells, so its error is up to
about half a cell diagonal. Also reads Tisheng's tisheng_distance.tif if
present and reports the same error figures for it (a check on the file).

    python3 bench/peers/surface_gdal.py DIR [--reps 1] [--no-compressed]
"""
import argparse
import os
import subprocess

import numpy as np
from osgeo import gdal, osr
from scipy.spatial import cKDTree

import common

gdal.UseExceptions()
ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--reps", type=int, default=1, help="runs of gdal_proximity.py (median)")
ap.add_argument("--no-compressed", action="store_true", help="skip the run that writes Tisheng's format")
a = ap.parse_args()

h = common.header(a.dir)
x0, y0, cell = float(h["x0"]), float(h["y0"]), float(h["cell"])
width, height = int(h["width"]), int(h["height"])
sites = common.points(a.dir, "sites.f64")
sample = common.array(a.dir, "sample.i64", "<i8")
srs = osr.SpatialReference()
srs.ImportFromEPSG(int(h["epsg"]))
transform = (x0, cell, 0.0, y0, 0.0, -cell)

# Exact distances of the sampled cell centres (float64 k-d tree: exact).
rows, cols = sample // width, sample % width
centres = np.column_stack([x0 + (cols + 0.5) * cell, y0 - (rows + 0.5) * cell])
exact, _ = cKDTree(sites).query(centres, k=1)


def errors(values):
    e = np.abs(values.astype(np.float64) - exact)
    return {"max_err_m": float(e.max()), "mean_err_m": float(e.mean())}


def sampled(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1).ReadAsArray()
    return band.reshape(-1)[sample]


# The source raster: 1 where a site falls, 0 elsewhere (not timed as part of the peer).
src = os.path.join(a.dir, "gdal_sites.tif")
def rasterise():
    r = np.zeros((height, width), dtype=np.uint8)
    c = np.floor((sites[:, 0] - x0) / cell).astype(np.int64)
    w = np.floor((y0 - sites[:, 1]) / cell).astype(np.int64)
    r[w, c] = 1
    ds = gdal.GetDriverByName("GTiff").Create(src, width, height, 1, gdal.GDT_Byte)
    ds.SetGeoTransform(transform)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(r)
    ds = None
    return int(r.sum())
rasterise_s, site_cells = common.timed(rasterise)
common.log(f"surface_gdal: rasterised {len(sites)} sites into {site_cells} cells of {src} in {rasterise_s:.2f} s")

# What a planner runs: the whole command, its output an uncompressed GeoTIFF.
dst = os.path.join(a.dir, "gdal_distance.tif")
cmd = ["gdal_proximity.py", src, dst, "-distunits", "GEO", "-ot", "Float32", "-q"]
def proximity(extra=()):
    if os.path.exists(dst):
        os.remove(dst)
    subprocess.run(cmd + list(extra), check=True)
run_s, _ = common.median_time(proximity, a.reps)
common.emit(case="surface_write", tool="gdal", threads=1, total_s=run_s, bytes=os.path.getsize(dst), reps=a.reps,
            command=" ".join(cmd), format="GTiff Float32, striped, uncompressed (gdal_proximity.py defaults)",
            rasterise_s=rasterise_s, version=gdal.__version__, **errors(sampled(dst)))
os.remove(dst)

# The same surface in the format Tisheng writes: gdal_translate of the
# uncompressed result. Giving gdal_proximity.py these -co options instead
# is no option: it writes each line, then reads and rewrites it in a second
# pass, the rewritten tiles are appended recompressed, and GDAL 3.6.2 ran
# for 5 minutes into the 4 GB limit of a classic TIFF.
if not a.no_compressed:
    proximity()
    co = ["-co", "TILED=YES", "-co", "BLOCKXSIZE=256", "-co", "BLOCKYSIZE=256", "-co", "COMPRESS=DEFLATE",
          "-co", "PREDICTOR=3", "-co", "NUM_THREADS=ALL_CPUS", "-co", "BIGTIFF=IF_SAFER"]
    packed = os.path.join(a.dir, "gdal_distance_deflate.tif")
    translate = ["gdal_translate", "-q"] + co + [dst, packed]
    translate_s, _ = common.median_time(lambda: subprocess.run(translate, check=True), a.reps)
    common.emit(case="surface_write_deflate", tool="gdal", threads=1, total_s=run_s + translate_s, translate_s=translate_s,
                bytes=os.path.getsize(packed), reps=a.reps, command=" ".join(cmd) + " && " + " ".join(translate),
                format="GTiff Float32, tiled 256, DEFLATE + predictor 3 (NUM_THREADS=ALL_CPUS)", version=gdal.__version__)
    os.remove(dst)
    os.remove(packed)

# Compute only: GDALComputeProximity into an in-memory Float32 raster.
def compute():
    s = gdal.Open(src)
    m = gdal.GetDriverByName("MEM").Create("", width, height, 1, gdal.GDT_Float32)
    m.SetGeoTransform(transform)
    m.SetProjection(srs.ExportToWkt())
    gdal.ComputeProximity(s.GetRasterBand(1), m.GetRasterBand(1), ["DISTUNITS=GEO"])
    return m
compute_s, mem = common.median_time(compute, a.reps)
values = mem.GetRasterBand(1).ReadAsArray().reshape(-1)[sample]
mem = None
common.emit(case="surface", tool="gdal", threads=1, compute_s=compute_s, reps=a.reps, cells=width * height,
            sites=len(sites), version=gdal.__version__, **errors(values))
os.remove(src)

ours = os.path.join(a.dir, "tisheng_distance.tif")
if os.path.exists(ours):
    common.emit(case="surface_file_check", tool="tisheng", **errors(sampled(ours)))
