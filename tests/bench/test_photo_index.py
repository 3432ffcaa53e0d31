"""Benchmark: finding reuse candidates for a new label photo among 1,000,000 stored ones.

Fills ``photos`` and ``scans`` with ``BENCH_PHOTOS`` random fingerprints, then
times the candidate lookup the scan API runs for each upload (same bytes,
a shared hash band, an earlier scan of the serial), and one verification of a
candidate by its grain. PostgreSQL too when ``TEST_DATABASE_URL`` is set.
"""

import os
import random
import statistics
import time

import flask_migrate
from sqlalchemy import insert
from sqlalchemy import text

from scanning.fingerprints import Fingerprint
from scanning.fingerprints import compare
from server import create_app
from server.evidence import services
from server.evidence.models import Photo
from server.extensions import db
from server.jobs.models import Scan
from tests.conftest import app_config
from tests.scanning.plates import capture
from tests.scanning.plates import jpeg
from tests.scanning.plates import plate

PHOTOS = int(os.environ.get("BENCH_PHOTOS", "1000000"))
CHUNK = 20_000
LOOKUPS = 300


def fill(rng):
    for first in range(0, PHOTOS, CHUNK):
        photos, scans = [], []
        for n in range(first, min(first + CHUNK, PHOTOS)):
            phash = rng.getrandbits(64)
            sha = f"{n:064x}"
            bands = Fingerprint(sha, phash).bands()
            photos.append(
                {
                    "sha256": sha,
                    "content_type": "image/jpeg",
                    "size": 1,
                    "width": 1,
                    "height": 1,
                    "phash": services.signed_hash(phash),
                    **{f"band{index}": band for index, band in enumerate(bands)},
                }
            )
            scans.append({"serial": f"SN{n:010d}", "source": "photo", "photo_sha256": sha})
        db.session.execute(insert(Photo), photos)
        db.session.execute(insert(Scan), scans)
        db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def measure(label, url, machine, monkeypatch):
    app = create_app(app_config(url))
    rng = random.Random(11)
    with app.app_context():
        flask_migrate.upgrade()
        began = time.perf_counter()
        fill(rng)
        print(f"\n[{label}] {PHOTOS:,} photos and scans loaded in {time.perf_counter() - began:.1f} s")
        # Only the lookup is timed here: no stored photo bytes, so no candidate reaches verification.
        monkeypatch.setattr(services, "photo_store", lambda: type("Empty", (), {"get": lambda self, sha: None})())
        timings = []
        for _ in range(LOOKUPS):
            print_ = Fingerprint(f"{rng.getrandbits(256):064x}", rng.getrandbits(64))
            serial = f"SN{rng.randrange(PHOTOS):010d}"
            started = time.perf_counter()
            services._reused_by(print_, None, serial, None)
            timings.append((time.perf_counter() - started) * 1000)
        db.session.remove()
        db.engine.dispose()
    cuts = statistics.quantiles(timings, n=100)
    print(
        f"[{label}] reuse candidates among {PHOTOS:,} photos: p50 {cuts[49]:.2f} ms, p99 {cuts[98]:.2f} ms "
        f"({LOOKUPS} lookups) on {machine}"
    )


def test_candidate_lookup_on_sqlite(tmp_path, machine, monkeypatch):
    measure("SQLite", f"sqlite:///{tmp_path / 'photos.db'}", machine, monkeypatch)


def test_candidate_lookup_on_postgresql(machine, monkeypatch, postgres_url):
    measure("PostgreSQL", postgres_url, machine, monkeypatch)


def test_verifying_one_candidate(machine):
    original = capture(plate("WM10B1240100123"), 1)
    copy = jpeg(original, 60)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        assert compare(original, copy).same_capture
        timings.append((time.perf_counter() - started) * 1000)
    print(f"\nverifying one candidate (1800x1300 photos): median {statistics.median(timings):.0f} ms on {machine}")
