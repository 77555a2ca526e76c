"""Coordinate conversions against published reference pairs (eviltransform's test vectors)."""

import numpy as np
import pytest

from supplychain import coords

# (wgs lon, wgs lat, gcj lon, gcj lat): eviltransform's published test vectors (Shanghai, Shenzhen, Beijing).
WGS_GCJ = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
]
# (bd lon, bd lat, wgs lon, wgs lat): eviltransform's published BD-09 vectors.
BD_WGS = [
    (120.019809, 29.199786, 120.00877901149691, 29.196131605295484),
    (120.036455, 29.210504, 120.0253853970846, 29.206795749156136),
]


@pytest.mark.parametrize("wlon,wlat,glon,glat", WGS_GCJ)
def test_wgs84_to_gcj02_matches_published_pairs(wlon, wlat, glon, glat):
    lon, lat = coords.wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize("wlon,wlat,glon,glat", WGS_GCJ)
def test_gcj02_to_wgs84_inverts_published_pairs(wlon, wlat, glon, glat):
    lon, lat = coords.gcj02_to_wgs84(glon, glat)
    assert coords.haversine_m(lon, lat, wlon, wlat) < 0.01  # 1 cm


@pytest.mark.parametrize("blon,blat,wlon,wlat", BD_WGS)
def test_bd09_to_wgs84_matches_published_pairs(blon, blat, wlon, wlat):
    lon, lat = coords.bd09_to_wgs84(blon, blat)
    # These pairs were taken from Baidu's own service; the public BD-09 formula (used by every port) only
    # approximates it: measured 10.5 m and 41.5 m here, far below the ~1 km shift being corrected.
    assert coords.haversine_m(lon, lat, wlon, wlat) < 50.0
    assert coords.haversine_m(lon, lat, blon, blat) > 500


def test_round_trips_are_below_one_metre_across_china():
    rng = np.random.default_rng(42)
    lon = rng.uniform(98, 134, 5000)
    lat = rng.uniform(18, 53, 5000)
    for to, back in ((coords.wgs84_to_gcj02, coords.gcj02_to_wgs84), (coords.wgs84_to_bd09, coords.bd09_to_wgs84)):
        rlon, rlat = back(*to(lon, lat))
        assert coords.haversine_m(lon, lat, rlon, rlat).max() < 1.0


def test_gcj_offset_in_suzhou_is_a_few_hundred_metres():
    # 吴中区 district point; GCJ-02 shifts Suzhou by roughly 300-700 m.
    glon, glat = coords.wgs84_to_gcj02(120.62801, 31.26448)
    shift = coords.haversine_m(120.62801, 31.26448, glon, glat)
    assert 200 < shift < 800


def test_outside_china_is_unchanged():
    assert coords.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert not coords.in_china(2.35, 48.85)
    assert coords.in_china(120.6, 31.3)


def test_to_wgs84_dispatches_on_crs_and_rejects_unknown():
    g = coords.wgs84_to_gcj02(120.6, 31.3)
    assert coords.haversine_m(*coords.to_wgs84(*g, "gcj02"), 120.6, 31.3) < 0.01
    assert coords.to_wgs84(120.6, 31.3, "wgs84") == (120.6, 31.3)
    with pytest.raises(ValueError, match="unknown crs"):
        coords.to_wgs84(120.6, 31.3, "utm")


def test_haversine_against_a_known_distance():
    # Shanghai -> Beijing GCJ points: 1,078,164 m in eviltransform's distance test, on a sphere of radius
    # 6,378,137 m; ours uses the mean radius 6,371,008.8 m, so rescale before comparing.
    d = coords.haversine_m(121.531541859215, 31.17530398364597, 116.38404722455657, 39.91334545536069)
    assert d * 6378137.0 / 6371008.8 == pytest.approx(1078164.0, abs=1.0)
