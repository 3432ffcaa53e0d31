"""The app's offline sync client (pwa/js/), tested by Node's own test runner against an in-memory IndexedDB.

Each ``*.test.mjs`` file here runs in its own Node process from ``pwa/``, where ``idb`` and
``fake-indexeddb`` resolve from ``pwa/node_modules`` (``make setup`` installs them with ``npm ci``).
"""

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
PWA = HERE.parents[1] / "pwa"
NEEDED = ("idb", "fake-indexeddb", "barcode-detector", "zxing-wasm")


@pytest.mark.parametrize("path", sorted(HERE.glob("*.test.mjs")), ids=lambda path: path.name)
def test_sync_client(path):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the app's tests need Node.js 20 or later")
    missing = [name for name in NEEDED if not (PWA / "node_modules" / name).is_dir()]
    if missing:
        pytest.fail(f"pwa/node_modules lacks {', '.join(missing)}: run `make setup` (npm ci --prefix pwa)")
    run = subprocess.run(
        [node, "--import", "fake-indexeddb/auto", "--test", "--test-reporter=spec", str(path)],
        cwd=PWA,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, f"node --test {path.name} exited {run.returncode}\n{run.stdout}\n{run.stderr}"
