"""The code's layout: imports run one way (derivations <- logreg <- figures), no two
modules import each other in a circle, and every module is short enough to read in one
sitting.

The import graph is read from the sources (nothing is imported), module by module, and
counts every import: at module level, inside functions and class bodies, under
``if TYPE_CHECKING:``, and ``importlib.import_module("pkg.mod")`` with a literal name (or a
module-level constant holding one). A package ``__init__`` that only re-exports (its body is
a docstring, imports, ``__all__``/``__version__``, and at most a lazy ``__getattr__`` table)
is not a node: an import of a name from it is an edge to the module the name comes from.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("derivations", "logreg", "figures")
#: what each package may import from this project: derivations <- logreg <- figures
ALLOWED = {"derivations": {"derivations"}, "logreg": {"derivations", "logreg"},
           "figures": {"derivations", "logreg", "figures"}}
#: the longest module (in lines, as ``wc -l`` counts them) outside tests
MAX_LINES = 600


@dataclass(frozen=True)
class Import:
    """One import statement's target module, the names taken from it, and where it is."""

    target: str
    names: tuple[str, ...]   # () for ``import target``: the whole module
    where: str               # "module level", "in a function", "under TYPE_CHECKING", ...
    line: int
    alias: str = ""          # the name it binds, for ``from ... import name [as alias]``

    @property
    def lazy(self) -> bool:
        """Run only when the function that holds it is called."""
        return self.where.startswith("in a function")


def modules(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Every module of the packages by dotted name (a package by its ``__init__``)."""
    out = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(name: str, path: Path, known: dict[str, Path]) -> list[Import]:
    """Every import of one of ``known``'s modules in the file at ``path``, wherever it is."""
    tree = ast.parse(path.read_text())
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    constants = {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for t in node.targets if isinstance(t, ast.Name)}
    found: list[Import] = []

    def module_of(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = package[:len(package) - node.level + 1]
        return ".".join([*base, node.module] if node.module else base)

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = "in a function"
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                inner = "under TYPE_CHECKING" if where == "module level" else where
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name in known:
                        found.append(Import(alias.name, (), where, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                module = module_of(child)
                for alias in child.names:
                    sub, bound = f"{module}.{alias.name}", alias.asname or alias.name
                    if sub in known:
                        found.append(Import(sub, (), where, child.lineno, bound))
                    elif module in known:
                        found.append(Import(module, (alias.name,), where, child.lineno,
                                            bound))
            elif isinstance(child, ast.Call) and ast.unparse(child.func).endswith(
                    "import_module") and child.args:
                arg = child.args[0]
                target = (arg.value if isinstance(arg, ast.Constant) else
                          constants.get(arg.id) if isinstance(arg, ast.Name) else None)
                if target in known:
                    found.append(Import(target, (), f"{where}, by import_module",
                                        child.lineno))
            visit(child, inner)

    visit(tree, "module level")
    return found


def only_reexports(path: Path) -> bool:
    """Whether a package ``__init__`` only re-exports: docstring, imports (also under
    TYPE_CHECKING), dunder constants such as ``__all__``, and a lazy ``__getattr__``
    table (a dict of strings, ``__getattr__``, ``__dir__``)."""
    if path.name != "__init__.py":
        return False

    def allowed(node: ast.stmt) -> bool:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return True
        if isinstance(node, ast.Expr):
            return isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in node.body)
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            dunder = all(isinstance(t, ast.Name) and t.id.startswith("__") for t in targets)
            table = isinstance(node.value, ast.Dict) and all(
                isinstance(n, ast.Constant) and isinstance(n.value, str)
                for n in [*node.value.keys, *node.value.values])
            return dunder or table
        return isinstance(node, ast.FunctionDef) and node.name in ("__getattr__", "__dir__")

    return all(allowed(node) for node in ast.parse(path.read_text()).body)


@dataclass
class Graph:
    """The modules (re-exporting ``__init__`` files left out), each one's imports, and the
    edges between modules that those imports make."""

    imports: dict[str, list[Import]]          # every module, re-exporters too
    nodes: set[str]
    edges: dict[str, dict[str, Import]]       # module -> module it imports -> how

    def __repr__(self) -> str:
        return f"Graph({len(self.nodes)} modules, {sum(map(len, self.edges.values()))} edges)"


def read_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> Graph:
    known = modules(root, packages)
    imports = {name: _imports(name, path, known) for name, path in known.items()}
    relays = {name for name, path in known.items() if only_reexports(path)}
    #: re-exporter -> name -> (module, names) that the name comes from
    homes: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {}
    for relay in relays:
        table = {imp.alias: (imp.target, imp.names) for imp in imports[relay] if imp.alias}
        for node in ast.parse(known[relay].read_text()).body:   # a lazy __getattr__ table
            value = getattr(node, "value", None)
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(value, ast.Dict):
                for key, home in zip(value.keys, value.values, strict=True):
                    if home.value in known:
                        table[key.value] = ((home.value, ()) if home.value.endswith(
                            f".{key.value}") else (home.value, (key.value,)))
        homes[relay] = table

    def resolve(target: str, names: tuple[str, ...], seen: frozenset = frozenset()
                ) -> set[str]:
        """The modules (nodes) that importing ``names`` from ``target`` runs."""
        if target not in relays:
            return {target}
        if target in seen:
            return set()
        seen = seen | {target}
        if not names:   # the whole package: everything it re-exports, lazily or not
            return set().union(*(resolve(i.target, i.names, seen) for i in imports[target]),
                               *(resolve(*home, seen) for home in homes[target].values()))
        return set().union(*(resolve(*homes[target][name], seen) for name in names
                             if name in homes[target]))   # else defined there: no edge

    nodes = set(known) - relays
    edges: dict[str, dict[str, Import]] = {name: {} for name in nodes}
    for name in nodes:
        for imp in imports[name]:
            for target in resolve(imp.target, imp.names) - {name}:
                edges[name].setdefault(target, imp)
    return Graph(imports, nodes, edges)


def circles(graph: Graph) -> list[list[str]]:
    """One circle through each group of modules that import each other (Tarjan's
    strongly connected components), as ``[a, b, ..., a]``, sorted; :func:`describe`
    names the whole group."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:   # recursive: the graph has a few hundred nodes
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.edges[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph.nodes):
        if node not in index:
            connect(node)
    out = []
    for group in groups:   # the shortest way from the group's first module back to it
        start = min(group)
        came_from: dict[str, str] = {}
        queue = [start]
        while start not in graph.edges[queue[0]]:
            here = queue.pop(0)
            for nxt in sorted(graph.edges[here]):
                if nxt in group and nxt not in came_from and nxt != start:
                    came_from[nxt] = here
                    queue.append(nxt)
        trail = [queue[0]]
        while trail[-1] != start:
            trail.append(came_from[trail[-1]])
        out.append([*reversed(trail), start])
    return sorted(out)


def tangle(graph: Graph, start: str) -> list[str]:
    """Every module that ``start`` reaches and that reaches ``start`` back."""
    def reach(edges: dict[str, set[str]]) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    back: dict[str, set[str]] = {}
    for a, targets in graph.edges.items():
        for b in targets:
            back.setdefault(b, set()).add(a)
    return sorted(reach({a: set(t) for a, t in graph.edges.items()}) & reach(back))


def describe(graph: Graph, circle: list[str]) -> str:
    """The circle's imports with where they are, and every module caught in it."""
    steps = [f"{a} -> {b} ({graph.edges[a][b].where}, line {graph.edges[a][b].line})"
             for a, b in pairwise(circle)]
    return (f"import circle among {', '.join(tangle(graph, circle[0]))}:\n    "
            + ";\n    ".join(steps))


@pytest.fixture(scope="module")
def graph() -> Graph:
    return read_graph()


def wrong_way(graph: Graph) -> list[str]:
    """The imports that reach up a floor, except a command line's (``cli.py``) inside a
    function."""
    return [f"{name} imports {imp.target} ({imp.where}, line {imp.line})"
            for name, found in graph.imports.items() for imp in found
            if imp.target.split(".")[0] not in ALLOWED[name.split(".")[0]]
            and not (name.endswith(".cli") and imp.lazy)]


def test_imports_run_one_way_derivations_then_logreg_then_figures(graph):
    """derivations <- logreg <- figures, wherever the import is; only a command line
    (``cli.py``) reaches up, and only inside a function (lazily)."""
    wrong = wrong_way(graph)
    assert not wrong, "imports that run the wrong way:\n" + "\n".join(wrong)
    assert "figures.outputs.slides" in graph.nodes and "logreg" not in graph.nodes
    cli_top = [imp.target for imp in graph.imports["logreg.cli"] if not imp.lazy]
    assert cli_top == ["logreg"], cli_top   # only __version__: the command starts light


def test_no_two_modules_import_each_other_in_a_circle(graph):
    found = circles(graph)
    assert not found, f"{len(found)} import circle(s):\n" + "\n".join(
        describe(graph, c) for c in found)


def test_no_module_is_longer_than_one_sitting():
    """Every module outside tests, the printed ``logreg/_kernels.py`` too (it is read
    as the trainer's formulas, and a printout that long would ask for a split as well),
    has at most MAX_LINES lines."""
    long = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    long = {name: n for name, n in long.items() if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: " + ", ".join(
        f"{name} ({n})" for name, n in sorted(long.items()))


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_graph_sees_circles_through_functions_type_checking_and_import_module(tmp_path):
    _tree(tmp_path, {
        "pkg/__init__.py": '"""Re-exports."""\nfrom pkg.a import f\n__all__ = ["f"]\n',
        "pkg/a.py": "def f():\n    from pkg import g\n",
        "pkg/b.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                     "    from pkg.c import h\ndef g(): pass\n"),
        "pkg/c.py": 'import importlib\nNAME = "pkg.b"\ndef h():\n'
                    "    importlib.import_module(NAME)\n",
        "pkg/d.py": "import pkg\n",
    })
    (tmp_path / "pkg/__init__.py").write_text(
        '"""Re-exports."""\nfrom pkg.a import f\nfrom pkg.b import g\n__all__ = ["f"]\n')
    g = read_graph(tmp_path, ("pkg",))
    assert g.nodes == {"pkg.a", "pkg.b", "pkg.c", "pkg.d"}   # the __init__ only re-exports
    assert set(g.edges["pkg.a"]) == {"pkg.b"}                 # g, through the __init__
    assert set(g.edges["pkg.d"]) == {"pkg.a", "pkg.b"}        # the whole package
    assert circles(g) == [["pkg.b", "pkg.c", "pkg.b"]]
    message = describe(g, circles(g)[0])
    assert "under TYPE_CHECKING" in message and "by import_module" in message


def test_an_init_with_code_is_a_module_of_the_graph(tmp_path):
    _tree(tmp_path, {"pkg/__init__.py": "from pkg.a import f\nREGISTRY = {'f': f}\n",
                     "pkg/a.py": "import pkg\ndef f(): pass\n"})
    g = read_graph(tmp_path, ("pkg",))
    assert circles(g) == [["pkg", "pkg.a", "pkg"]]


def test_a_lazy_getattr_table_is_followed_to_the_module_it_names(tmp_path):
    _tree(tmp_path, {
        "pkg/__init__.py": ('"""Lazy."""\nimport importlib\n_HOME = {"f": "pkg.a"}\n\n'
                            "def __getattr__(name):\n"
                            "    return getattr(importlib.import_module(_HOME[name]), name)\n"),
        "pkg/a.py": "def f(): pass\n",
        "pkg/b.py": "from pkg import f\n",
    })
    g = read_graph(tmp_path, ("pkg",))
    assert "pkg" not in g.nodes and set(g.edges["pkg.b"]) == {"pkg.a"}


def test_only_a_command_line_reaches_up_and_only_lazily(tmp_path):
    _tree(tmp_path, {
        "derivations/__init__.py": "",
        "derivations/a.py": "def f():\n    from logreg import b\n",
        "logreg/__init__.py": "",
        "logreg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    import figures.c\n",
        "logreg/cli.py": "import figures.c\ndef main():\n    import figures.c\n",
        "figures/__init__.py": "",
        "figures/c.py": "import derivations.a\nimport logreg.b\n",
    })
    found = wrong_way(read_graph(tmp_path))
    assert found == ["derivations.a imports logreg.b (in a function, line 2)",
                     "logreg.b imports figures.c (under TYPE_CHECKING, line 3)",
                     "logreg.cli imports figures.c (module level, line 1)"]


def test_no_two_modules_share_a_name():
    """One name, one meaning: only the command lines (cli) and package files repeat."""
    names = [path.stem for path in modules().values()
             if path.stem not in {"__init__", "__main__", "cli"}]
    assert sorted(names) == sorted(set(names)), sorted(n for n in names if names.count(n) > 1)
