"""The layers contract of ``.importlinter`` (run by ``make lint``) holds, and catches what it is there for.

Each test lints a copy of the packages, one with a deliberate bad import added, so the contract is seen
to fail on an upward import and on a cycle between domains, not only to pass today.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture
def tree(tmp_path):
    """A copy of server/, sync/ and scanning/ with the project's contract, to add bad imports to."""
    for package in ("server", "sync", "scanning"):
        shutil.copytree(REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def lint(tree):
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def add_import(tree, module, line):
    path = tree / Path(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_layers_hold_today(tree):
    status, output = lint(tree)
    assert status == 0, output


def test_a_domain_importing_one_above_it_breaks_the_contract(tree):
    add_import(tree, "server.network.services", "from server.jobs.models import Job  # noqa")
    status, output = lint(tree)
    assert status == 1
    assert "server.network is not allowed to import server.jobs" in output


def test_a_cycle_between_two_domains_breaks_the_contract(tree):
    # jobs already imports installbase; the way back closes a cycle.
    add_import(tree, "server.installbase.services", "from server.jobs.services import queries  # noqa")
    status, output = lint(tree)
    assert status == 1
    assert "server.installbase is not allowed to import server.jobs" in output


def test_the_core_importing_a_domain_breaks_the_contract(tree):
    add_import(tree, "server.core.clock", "from server.users.models import User  # noqa")
    status, output = lint(tree)
    assert status == 1
    assert "server.core is not allowed to import server.users" in output


def test_the_protocol_core_importing_flask_breaks_the_contract(tree):
    add_import(tree, "sync.ops", "import flask  # noqa")
    status, output = lint(tree)
    assert status == 1
    assert "sync.ops" in output
    assert "flask" in output
