"""Coordinate datums and distances against published reference points, without a database."""

import math

import pytest

from server.core import geo

# googollee/eviltransform, python/test.py (TESTS): (wgs lat, wgs lng, gcj lat, gcj lng) in Shanghai, Shenzhen
# and Beijing; the same points are the vectors of its C, Go, PHP and JavaScript tests.
EVILTRANSFORM_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]
# wandergis/coordtransform, test/app.js, each from the point (39.915 N, 116.404 E), as (lat, lng).
COORDTRANSFORM_POINT = (39.915, 116.404)
COORDTRANSFORM_BD09_TO_GCJ02 = (39.90865673957631, 116.39762729119315)
COORDTRANSFORM_GCJ02_TO_BD09 = (39.92133699351021, 116.41036949371029)
COORDTRANSFORM_WGS84_TO_GCJ02 = (39.91640428150164, 116.41024449916938)
# Its gcj02towgs84 is the one-step approximation: the exact inverse lies within 2 m of it.
COORDTRANSFORM_GCJ02_TO_WGS84 = (39.91359571849836, 116.39775550083061)


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), EVILTRANSFORM_GCJ)
def test_wgs84_to_gcj02_meets_the_published_points(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    lat, lng = geo.wgs84_to_gcj02(wgs_lat, wgs_lng)
    assert lat == pytest.approx(gcj_lat, abs=1e-9)
    assert lng == pytest.approx(gcj_lng, abs=1e-9)


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), EVILTRANSFORM_GCJ)
def test_gcj02_to_wgs84_finds_the_published_point_within_a_decimetre(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    lat, lng = geo.gcj02_to_wgs84(gcj_lat, gcj_lng)
    assert geo.distance_m(lat, lng, wgs_lat, wgs_lng) < 0.1


def test_coordtransform_reference_point():
    lat, lng = COORDTRANSFORM_POINT
    assert geo.bd09_to_gcj02(lat, lng) == pytest.approx(COORDTRANSFORM_BD09_TO_GCJ02, abs=1e-9)
    assert geo.gcj02_to_bd09(lat, lng) == pytest.approx(COORDTRANSFORM_GCJ02_TO_BD09, abs=1e-9)
    assert geo.wgs84_to_gcj02(lat, lng) == pytest.approx(COORDTRANSFORM_WGS84_TO_GCJ02, abs=1e-9)
    assert geo.distance_m(*geo.gcj02_to_wgs84(lat, lng), *COORDTRANSFORM_GCJ02_TO_WGS84) < 2


# Across China: Harbin, Urumqi, Lhasa, Kunming, Sanya, Shanghai, Chengdu.
CHINA = [
    (45.75, 126.65),
    (43.83, 87.62),
    (29.65, 91.13),
    (25.04, 102.71),
    (18.25, 109.51),
    (31.23, 121.47),
    (30.66, 104.06),
]


@pytest.mark.parametrize(("lat", "lng"), CHINA)
def test_round_trips_come_back_to_the_point(lat, lng):
    # GCJ-02's inverse is iterated to the millimetre; BD-09's published inverse is Baidu's closed form,
    # good to a few decimetres.
    assert geo.distance_m(*geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lat, lng)), lat, lng) < 0.01
    assert geo.distance_m(*geo.bd09_to_gcj02(*geo.gcj02_to_bd09(lat, lng)), lat, lng) < 0.5
    assert geo.distance_m(*geo.bd09_to_wgs84(*geo.wgs84_to_bd09(lat, lng)), lat, lng) < 0.5


@pytest.mark.parametrize(("lat", "lng"), CHINA)
def test_the_offsets_are_the_maps_hundreds_of_metres(lat, lng):
    # Why an address from a Chinese map must be converted: measured raw, it is off by more than a door's width.
    assert 50 < geo.distance_m(*geo.wgs84_to_gcj02(lat, lng), lat, lng) < 1000
    assert 100 < geo.distance_m(*geo.wgs84_to_bd09(lat, lng), lat, lng) < 1500


# Outside China's outline GCJ-02 is the identity: Tokyo, Seoul, Ulaanbaatar, Taipei, Hanoi, Vladivostok, London,
# the null island, Sydney.
ABROAD = [
    (35.68, 139.69),
    (37.57, 126.98),
    (47.92, 106.92),
    (25.03, 121.56),
    (21.03, 105.85),
    (43.12, 131.89),
    (51.5, -0.12),
    (0.0, 0.0),
    (-33.87, 151.21),
]


@pytest.mark.parametrize(("lat", "lng"), ABROAD)
def test_gcj02_is_the_identity_outside_china(lat, lng):
    assert not geo.in_china(lat, lng)
    assert geo.wgs84_to_gcj02(lat, lng) == (lat, lng)
    assert geo.gcj02_to_wgs84(lat, lng) == (lat, lng)
    assert geo.to_wgs84(lat, lng, "gcj02") == (lat, lng)


@pytest.mark.parametrize(("lat", "lng"), CHINA)
def test_china_is_inside_the_outline(lat, lng):
    assert geo.in_china(lat, lng)


def test_to_wgs84_by_system_name():
    lat, lng = EVILTRANSFORM_GCJ[0][2:]
    assert geo.to_wgs84(lat, lng, "wgs84") == (lat, lng)
    assert geo.to_wgs84(lat, lng, "gcj02") == geo.gcj02_to_wgs84(lat, lng)
    assert geo.to_wgs84(lat, lng, "bd09") == geo.bd09_to_wgs84(lat, lng)
    with pytest.raises(ValueError, match="unknown coordinate system"):
        geo.to_wgs84(lat, lng, "utm")


@pytest.mark.parametrize(
    ("a", "b", "metres", "tolerance"),
    [
        # A degree of the meridian: 111.2 km.
        ((30.0, 120.0), (31.0, 120.0), geo.EARTH_RADIUS_M * math.pi / 180, 0.001),
        # A minute of latitude is a nautical mile, near enough (1,852 m; 1,853 on this sphere).
        ((30.0, 120.0), (30.0 + 1 / 60, 120.0), 1_853, 2),
        # A quarter of the meridian: the pole from the equator.
        ((0.0, 0.0), (90.0, 0.0), geo.EARTH_RADIUS_M * math.pi / 2, 0.001),
        # Antipodes: half the circumference, with no NaN from rounding above 1.
        ((0.0, 0.0), (0.0, 180.0), geo.EARTH_RADIUS_M * math.pi, 0.001),
        ((31.2, 121.4), (31.2, 121.4), 0.0, 0.0),
    ],
)
def test_distance(a, b, metres, tolerance):
    assert geo.distance_m(*a, *b) == pytest.approx(metres, abs=tolerance)
    assert geo.distance_m(*b, *a) == pytest.approx(geo.distance_m(*a, *b))
