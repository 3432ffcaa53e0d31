"""Coordinates on the earth: the datums of Chinese maps and the distance between two points.

A phone's Geolocation API gives WGS-84. Maps published in China give GCJ-02 (AMap, Tencent; the state's
obfuscation of WGS-84, 100-700 m off) or BD-09 (Baidu; a further offset over GCJ-02). An address picked on
such a map must be brought back to WGS-84 before it is measured against a phone's fix. The formulas are the
published ones (GCJ-02's as leaked and reimplemented in the eviltransform and coordtransform projects; BD-09's
from Baidu's own conversion); GCJ-02 is applied only inside China's outline, and is the identity outside it,
as the maps do. Pure functions: no Flask, no database.
"""

import math

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)

# The mean radius of the earth (IUGG), for the great-circle distance: within 0.5 % of the ellipsoid's
# distance everywhere, far inside a phone's accuracy at a door.
EARTH_RADIUS_M = 6_371_008.8

# GCJ-02's ellipsoid: Krasovsky 1940's semi-major axis and eccentricity squared.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# BD-09's angle factor.
_BD_X_PI = math.pi * 3000.0 / 180.0

# China's outline as the obfuscation covers it: rectangles (north, west, south, east), less the rectangles
# cut out of them (Taiwan, northern Vietnam and Laos, Russia and North Korea in the north-east). The
# coarse bounding box (72.004-137.8347 E, 0.8293-55.8271 N) of the projects above would shift points in
# Mongolia, Korea and south-east Asia; these follow the border within a few tens of kilometres.
_CHINA = (
    (49.220400, 79.446200, 42.889900, 96.330000),
    (54.141500, 109.687200, 39.374200, 135.000200),
    (42.889900, 73.124600, 29.529700, 124.143255),
    (29.529700, 82.968400, 26.718600, 97.035200),
    (29.529700, 97.025300, 20.414096, 124.367395),
    (20.414096, 107.975793, 17.871542, 111.744104),
)
_NOT_CHINA = (
    (25.398623, 119.921265, 21.785006, 122.497559),
    (22.284000, 101.865200, 20.098800, 106.665000),
    (21.542200, 106.452500, 20.487800, 108.051000),
    (55.817500, 109.032300, 50.325700, 119.127000),
    (55.817500, 127.456800, 49.557400, 137.022700),
    (44.892200, 131.266200, 42.569200, 137.022700),
)


def _within(rectangles: tuple[tuple[float, float, float, float], ...], lat: float, lng: float) -> bool:
    return any(south <= lat <= north and west <= lng <= east for north, west, south, east in rectangles)


def in_china(lat: float, lng: float) -> bool:
    """Whether GCJ-02's offset applies at this point (China's outline, approximately)."""
    return _within(_CHINA, lat, lng) and not _within(_NOT_CHINA, lat, lng)


def _gcj_offset(lat: float, lng: float) -> tuple[float, float]:
    """GCJ-02's offset (dlat, dlng) in degrees at a WGS-84 point."""
    x, y = lng - 105.0, lat - 35.0
    wave = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + wave
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + wave
    dlng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = math.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """A WGS-84 point as Chinese maps (AMap, Tencent) place it."""
    if not in_china(lat, lng):
        return lat, lng
    dlat, dlng = _gcj_offset(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """A GCJ-02 point back in WGS-84, to well under a metre.

    The forward offset has no closed inverse: the WGS-84 point is found by fixed-point iteration (the offset
    varies by a few metres per kilometre, so each round divides the error by hundreds; three or four rounds
    reach a millimetre).
    """
    if not in_china(lat, lng):
        return lat, lng
    wgs_lat, wgs_lng = lat, lng
    for _ in range(10):
        there_lat, there_lng = wgs84_to_gcj02(wgs_lat, wgs_lng)
        error_lat, error_lng = there_lat - lat, there_lng - lng
        wgs_lat, wgs_lng = wgs_lat - error_lat, wgs_lng - error_lng
        if abs(error_lat) < 1e-10 and abs(error_lng) < 1e-10:
            break
    return wgs_lat, wgs_lng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """A GCJ-02 point as Baidu's maps place it."""
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _BD_X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """A Baidu map's point in GCJ-02 (Baidu's published inverse)."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def wgs84_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))


def bd09_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))


_TO_WGS84 = {
    WGS84: lambda lat, lng: (lat, lng),
    GCJ02: gcj02_to_wgs84,
    BD09: bd09_to_wgs84,
}


def to_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    """``(lat, lng)`` in datum ``system`` ('wgs84', 'gcj02' or 'bd09') as WGS-84."""
    try:
        convert = _TO_WGS84[system]
    except KeyError:
        raise ValueError(f"unknown coordinate system {system!r}") from None
    return convert(lat, lng)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance in metres between two WGS-84 points (haversine, exact at short range)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
