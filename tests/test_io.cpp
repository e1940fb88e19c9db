#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tisheng/core/text.hpp"
#include "tisheng/core/files.hpp"
#include "tisheng/io/layers.hpp"
#include "test_support.hpp"

using namespace tisheng;
using namespace tisheng::test;
namespace fs = std::filesystem;

TEST(Io, VectorWriter_gpkgRoundTripsThroughReadLayer) {
    TempDir d;
    {
        VectorWriter w(d / "t.gpkg", "GPKG");
        w.begin_layer("pts", GeomKind::point, {{"id", FieldDef::Type::text}, {"n", FieldDef::Type::integer}});
        w.add(LonLat{113.1, 22.6}, {std::string("a"), std::int64_t(3)});
        w.add(LonLat{113.2, 22.7}, {std::string("蓬江"), std::monostate{}});
        w.commit();
    }
    Diagnostics diag;
    std::vector<std::pair<std::string, LonLat>> rows;
    LayerSource src{d / "t.gpkg", "t.gpkg", "pts"};
    read_layer(src, {"id", "n"}, [&](const FeatureRow& r) { rows.emplace_back(*r.values[0], r.point); }, diag);
    EXPECT_FALSE(diag.has_errors());
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].first, "蓬江");
    EXPECT_DOUBLE_EQ(rows[1].second.lon, 113.2);
}

TEST(Io, VectorWriter_withoutCommitLeavesNothing) {
    TempDir d;
    {
        VectorWriter w(d / "t.gpkg", "GPKG");
        w.begin_layer("pts", GeomKind::point, {{"id", FieldDef::Type::text}});
        w.add(LonLat{1, 2}, {std::string("a")});
    }
    EXPECT_TRUE(fs::is_empty(d.path));
}

TEST(Io, VectorWriter_commitReplacesAnOldFileWhole) {
    TempDir d;
    write(d / "t.geojson", "old");
    VectorWriter w(d / "t.geojson", "GeoJSON");
    w.begin_layer("units", GeomKind::multipolygon, {{"id", FieldDef::Type::text}});
    w.add(MultiPolygon<LonLat>{{{{0, 0}, {0, 1}, {1, 1}, {0, 0}}, {}}}, {std::string("x")});
    EXPECT_EQ(slurp(d / "t.geojson"), "old");  // untouched until commit
    w.commit();
    EXPECT_NE(slurp(d / "t.geojson").find("\"x\""), std::string::npos);
}

TEST(Io, ReadLayer_csvConvertsGcj02AndNamesBadRows) {
    TempDir d;
    LonLat truth{113.08, 22.59};
    LonLat g = wgs84_to_gcj02(truth);
    char row[128];
    std::snprintf(row, sizeof row, "P1,%.9f,%.9f\nP2,abc,22.5\nP3,113.1,95\n", g.lon, g.lat);
    write(d / "p.csv", std::string("id,lon,lat\n") + row);
    LayerSource src{d / "p.csv", "p.csv"};
    src.coords = CoordSys::gcj02;
    Diagnostics diag;
    std::vector<FeatureRow> rows;
    read_layer(src, {"id"}, [&](const FeatureRow& r) { rows.push_back(r); }, diag);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_NEAR(rows[0].point.lon, truth.lon, 1e-8);
    EXPECT_NEAR(rows[0].point.lat, truth.lat, 1e-8);
    ASSERT_EQ(diag.error_count(), 2u);
    EXPECT_EQ(diag.problems()[0].where.line, 3);
    EXPECT_EQ(diag.problems()[0].where.field, "lon");
    EXPECT_EQ(diag.problems()[1].where.line, 4);
    EXPECT_EQ(diag.problems()[1].where.field, "lat");
}

TEST(Io, ReadLayer_missingColumnListsTheColumnsThatExist) {
    TempDir d;
    write(d / "p.csv", "id,lon,lat,wrkforce\nP1,113,22,5\n");
    Diagnostics diag;
    LayerSource src{d / "p.csv", "p.csv"};
    EXPECT_EQ(read_layer(src, {"id", "workforce"}, [](const FeatureRow&) {}, diag), 0u);
    ASSERT_EQ(diag.error_count(), 1u);
    EXPECT_EQ(diag.problems()[0].where.field, "workforce");
    EXPECT_NE(diag.problems()[0].message.find("wrkforce"), std::string::npos);
}

TEST(Io, ReadLayer_unopenableFileThrowsNamingIt) {
    TempDir d;
    write(d / "x.geojson", "{ not json");
    Diagnostics diag;
    try {
        read_layer({d / "x.geojson", "x.geojson"}, {"id"}, [](const FeatureRow&) {}, diag);
        FAIL() << "expected InputError";
    } catch (const InputError& e) {
        EXPECT_EQ(e.problem().where.file, "x.geojson");
    }
}

TEST(Io, IsUtf8_rejectsGbkAndOverlongForms) {
    EXPECT_TRUE(is_utf8("江门 Jiangmen"));
    EXPECT_FALSE(is_utf8("\xbd\xad\xc3\xc5"));  // 江门 in GBK
    EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // a surrogate
}

TEST(Io, WriteFileAtomic_writesWholeFile) {
    TempDir d;
    write_file_atomic(d / "a.json", "{}\n");
    EXPECT_EQ(slurp(d / "a.json"), "{}\n");
    EXPECT_THROW(write_file_atomic(d / "no/such/dir/a.json", "x"), Error);
}

TEST(Io, Fnv1a_isStableAndSensitive) {
    EXPECT_EQ(fnv1a_hex(""), "cbf29ce484222325");
    EXPECT_NE(fnv1a_hex("a"), fnv1a_hex("b"));
}

// A FIFO, a device or a folder given as an input is refused at once, never
// read (a FIFO would block, /dev/zero never ends).
TEST(Io, InputFiles_specialFilesAreRefusedWithTheirName) {
    TempDir dir;
    const fs::path fifo = dir / "projects.csv";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto message = [](const fs::path& p) {
        try {
            (void)read_file(p, "shown.csv");
        } catch (const InputError& e) {
            return e.problem().str();
        }
        return std::string("accepted");
    };
    EXPECT_NE(message(fifo).find("shown.csv: error: is not a regular file"), std::string::npos) << message(fifo);
    EXPECT_NE(message("/dev/zero").find("is not a regular file"), std::string::npos) << message("/dev/zero");
    EXPECT_NE(message(dir.path).find("is a folder"), std::string::npos) << message(dir.path);
    EXPECT_NE(message(dir / "none.csv").find("file not found"), std::string::npos);
    // The layer reader too (it would hand the FIFO to GDAL).
    Diagnostics diag;
    LayerSource src;
    src.path = fifo;
    src.display = "projects.csv";
    EXPECT_THROW(read_layer(src, {}, [](const FeatureRow&) {}, diag), InputError);
    // And a scenario file: the CLI exits 1, naming it.
    const auto r = run_cli("validate '" + fifo.string() + "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("is not a regular file"), std::string::npos) << r.output;
}
