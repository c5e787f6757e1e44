"""The old module paths of derivations work for one release: same objects, with a warning."""

from __future__ import annotations

import ast
import importlib
import sys
import types
from pathlib import Path

import pytest

import derivations
from derivations._moved import MOVED

ROOT = Path(__file__).resolve().parents[1]


def _a_packages_function(name: str) -> bool:
    """``derivations.threshold`` in ``from derivations import threshold``: the function."""
    value = vars(derivations).get(name.rpartition(".")[2])
    return value is not None and not isinstance(value, types.ModuleType)


def _public(module) -> list[str]:
    return [n for n in vars(module) if not n.startswith("__")]


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_imports_the_same_objects_and_warns(old, monkeypatch):
    monkeypatch.delitem(sys.modules, old, raising=False)  # as in a fresh process
    with pytest.warns(DeprecationWarning, match=rf"^{old} moved to .*{MOVED[old][0]}"):
        module = importlib.import_module(old)
    homes = [importlib.import_module(h) for h in MOVED[old]]
    if len(homes) == 1:
        assert module is homes[0]
        assert module.__spec__.name == MOVED[old][0]  # the home's own spec, untouched
    for home in homes:
        for name in _public(home):
            first = next(h for h in homes if hasattr(h, name))
            assert getattr(module, name) is getattr(first, name), (old, name)


def test_the_paths_the_readme_used_still_work(monkeypatch):
    for old in ("derivations.core", "derivations.relations", "derivations.sigmoid"):
        monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match="derivations.engine"):
        from derivations.core import Derivation
    with pytest.warns(DeprecationWarning, match="derivations.engine.bound"):
        from derivations.relations import Bound
    with pytest.warns(DeprecationWarning, match="derivations.lecture.sigmoid"):
        from derivations.sigmoid import sigmoid_derivative
    from derivations import engine
    assert Derivation is engine.Derivation and Bound is engine.Bound
    assert sigmoid_derivative is derivations.sigmoid_derivative
    assert derivations.logistic_gradient().verify().verified


def test_an_old_name_as_an_attribute_warns_from_the_callers_line(monkeypatch):
    monkeypatch.delitem(sys.modules, "derivations.symbols", raising=False)
    monkeypatch.delattr(derivations, "symbols", raising=False)
    with pytest.warns(DeprecationWarning, match="derivations.lecture.symbols") as caught:
        nll = derivations.symbols.NLL
    assert nll is importlib.import_module("derivations.lecture.symbols").NLL
    assert any(w.filename == __file__ for w in caught)


def test_importing_an_old_module_keeps_the_packages_function_of_that_name(monkeypatch):
    function = derivations.threshold
    monkeypatch.delitem(sys.modules, "derivations.threshold", raising=False)
    with pytest.warns(DeprecationWarning):
        importlib.import_module("derivations.threshold")
    assert derivations.threshold is function and derivations.threshold().name == "threshold"


def test_a_subpackage_is_there_when_first_used():
    assert derivations.checking.check is importlib.import_module("derivations.checking").check
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = derivations.nothing


def test_a_name_the_old_module_did_not_have_is_a_clear_attribute_error(monkeypatch):
    monkeypatch.delitem(sys.modules, "derivations.proof", raising=False)
    with pytest.warns(DeprecationWarning):
        proof = importlib.import_module("derivations.proof")
    with pytest.raises(AttributeError, match=r"moved to derivations\.engine\.signs"):
        _ = proof.no_such_helper


def test_no_old_module_is_a_file_and_no_project_code_imports_one():
    for old in MOVED:
        assert not (ROOT / (old.replace(".", "/") + ".py")).exists(), old
    users = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if ".venv" in path.parts or path.name == "test_moved.py" or "build" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            users += [f"{path.relative_to(ROOT)}: {n}" for n in names if n in MOVED
                      and not _a_packages_function(n)]
    assert not users, users
