"""Every module mypy checks (pyproject.toml's ``[tool.mypy] files``) annotates each public function and method.

mypy lets server/ modules leave a function unannotated (a private helper may stay so), and it checks an
unannotated function's callers against nothing. These tests hold the public ones, in every listed
module, to a type for each parameter and for the return; the list is read from pyproject.toml, so a
module that joins mypy joins this promise too. A services module of server/ must be on the list.
"""

import ast
import tomllib
from pathlib import Path

import pytest

from server.config import REPO_ROOT


def checked_paths():
    """The .py files of pyproject.toml's mypy ``files`` (a folder stands for every module under it)."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    paths = []
    for entry in config["tool"]["mypy"]["files"]:
        path = REPO_ROOT / entry
        paths += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return paths


def _public_functions(body, owner=""):
    """``(qualified name, node, is_method)`` of each public function and method defined in ``body``."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            yield f"{owner}{node.name}", node, bool(owner)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            yield from _public_functions(node.body, f"{owner}{node.name}.")
        elif isinstance(node, ast.If | ast.Try):
            # Definitions under ``if`` or ``try`` at module level are the module's all the same.
            for block in (node.body, node.orelse, getattr(node, "finalbody", [])):
                yield from _public_functions(block, owner)


def _is_static(node):
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)


def unannotated(source, filename="<source>"):
    """``"<line> <name>: <what lacks a type>"`` for each public function or method of ``source`` lacking one."""
    found = []
    for name, node, is_method in _public_functions(ast.parse(source, filename).body):
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        if is_method and not _is_static(node):
            positional = positional[1:]  # self, or cls: typed by the class
        missing = [a.arg for a in (*positional, *arguments.kwonlyargs) if a.annotation is None]
        missing += [f"*{a.arg}" for a in (arguments.vararg,) if a is not None and a.annotation is None]
        missing += [f"**{a.arg}" for a in (arguments.kwarg,) if a is not None and a.annotation is None]
        if node.returns is None:
            missing.append("the return")
        if missing:
            found.append(f"{node.lineno} {name}: {', '.join(missing)}")
    return found


CHECKED = checked_paths()


@pytest.mark.parametrize("path", CHECKED, ids=[str(p.relative_to(REPO_ROOT)) for p in CHECKED])
def test_each_public_function_of_a_checked_module_is_annotated(path):
    missing = unannotated(path.read_text(encoding="utf-8"), str(path))
    assert not missing, f"{path.relative_to(REPO_ROOT)} lacks types:\n" + "\n".join(missing)


def test_every_services_module_of_the_server_is_checked():
    services = {*REPO_ROOT.glob("server/**/services.py"), *REPO_ROOT.glob("server/**/services/*.py")}
    assert sorted(p.relative_to(REPO_ROOT) for p in services - set(CHECKED)) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(a: int, b: str = '') -> None: ...", []),
        ("def f(a, b: str) -> None: ...", ["1 f: a"]),
        ("def f(a: int): ...", ["1 f: the return"]),
        ("def f(*args, key, **kwargs) -> None: ...", ["1 f: key, *args, **kwargs"]),
        ("async def f(a) -> None: ...", ["1 f: a"]),
        ("def _helper(a): ...", []),
        ("def f() -> None:\n    def inner(a): ...", []),
        ("class K:\n    def m(self, a: int) -> int: ...\n    def n(self, a): ...", ["3 K.n: a, the return"]),
        ("class K:\n    @staticmethod\n    def m(a) -> None: ...", ["3 K.m: a"]),
        ("class K:\n    @classmethod\n    def m(cls) -> None: ...\n    def __init__(self, a): ...", []),
        ("class _K:\n    def m(self, a): ...", []),
        (
            "class K:\n    class Inner:\n        def m(self) -> None: ...\n        def n(self): ...",
            ["4 K.Inner.n: the return"],
        ),
        ("if True:\n    def f(a) -> None: ...\nelse:\n    def g() -> None: ...", ["2 f: a"]),
    ],
)
def test_the_check_finds_what_lacks_a_type(source, expected):
    assert unannotated(source) == expected


def test_the_modules_checked_include_the_server_rules():
    names = {str(p.relative_to(REPO_ROOT)) for p in CHECKED}
    assert {"server/jobs/services/lifecycle.py", "server/core/clock.py", "sync/ops.py"} <= names
    assert all(Path(p).suffix == ".py" for p in names)
