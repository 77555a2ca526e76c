"""Chinese map coordinate systems: WGS84 <-> GCJ-02 <-> BD-09, and plausibility checks.

OpenStreetMap and GPS use WGS84. AMap (高德) and Tencent publish GCJ-02 ("Mars" coordinates, offset by a
few hundred metres inside China); Baidu publishes BD-09, a further shift of GCJ-02. The formulas are the
public ones used by eviltransform and its many ports; GCJ-02 -> WGS84 has no closed form and is solved by
fixed-point iteration to well under a millimetre. All functions accept scalars or numpy arrays.

No maintained PyPI package covers all three conversions with an exact inverse and vectorised input, so
this small module is the implementation; tests pin it to published reference pairs.
"""

from __future__ import annotations

import math

import numpy as np

from .messages import _

CRS_NAMES = ("wgs84", "gcj02", "bd09")

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0

# The rectangle inside which GCJ-02 applies (the conventional one of the reference implementations).
CHINA_BOUNDS = (72.004, 0.8293, 137.8347, 55.8271)  # lon_min, lat_min, lon_max, lat_max


def in_china(lon, lat):
    """True where a WGS84/GCJ-02 point lies inside the rectangle in which GCJ-02 is defined."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x0, y0, x1, y1 = CHINA_BOUNDS
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def _delta(lon, lat):
    """GCJ-02 offset (dlon, dlat) in degrees at a WGS84 point."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = dlat + common + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = dlon + common + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _out(x, *arrays):
    """Return scalars for scalar input, arrays otherwise."""
    if np.ndim(x) == 0:
        return tuple(float(a) for a in arrays)
    return arrays


def wgs84_to_gcj02(lon, lat):
    """WGS84 -> GCJ-02. Points outside China are returned unchanged."""
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon_a, lat_a)
    inside = in_china(lon_a, lat_a)
    return _out(lon, np.where(inside, lon_a + dlon, lon_a), np.where(inside, lat_a + dlat, lat_a))


def gcj02_to_wgs84(lon, lat, tol_deg: float = 1e-10, max_iter: int = 30):
    """GCJ-02 -> WGS84, solved by fixed-point iteration (error well under 1 mm inside China)."""
    g_lon = np.asarray(lon, dtype=float)
    g_lat = np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _iteration in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = np.asarray(f_lon) - g_lon, np.asarray(f_lat) - g_lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if np.all(np.abs(e_lon) < tol_deg) and np.all(np.abs(e_lat) < tol_deg):
            break
    return _out(lon, w_lon, w_lat)


def gcj02_to_bd09(lon, lat):
    """GCJ-02 -> BD-09 (Baidu)."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _out(lon, z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon, lat):
    """BD-09 (Baidu) -> GCJ-02."""
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _out(lon, z * np.cos(theta), z * np.sin(theta))


def wgs84_to_bd09(lon, lat):
    """WGS84 -> BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    """BD-09 -> WGS84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon, lat):
    return _out(lon, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


_TO_WGS84 = {"wgs84": _identity, "gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS84 = {"wgs84": _identity, "gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def _convert(table: dict, lon, lat, crs: str):
    try:
        fn = table[crs]
    except KeyError:
        raise ValueError(_("unknown crs {crs}; expected one of: {items}",
                           crs=repr(crs), items=', '.join(CRS_NAMES))) from None
    return fn(lon, lat)


def to_wgs84(lon, lat, crs: str):
    """Convert from ``crs`` (one of :data:`CRS_NAMES`) to WGS84."""
    return _convert(_TO_WGS84, lon, lat, crs)


def from_wgs84(lon, lat, crs: str):
    """Convert WGS84 to ``crs`` (one of :data:`CRS_NAMES`)."""
    return _convert(_FROM_WGS84, lon, lat, crs)


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (spherical Earth, R = 6,371,008.8 m)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(a))
