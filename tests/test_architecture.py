"""The apps depend downward only, with no import cycles (issue 12, point 1).

The source of every first-party app in INSTALLED_APPS is parsed with ``ast``; nothing is
imported or executed, and no database is used. What counts as an import of a module:

- every ``import x`` and ``from x import y`` anywhere in a file: at module level, inside
  functions and methods (the deliberate lazy imports, such as ``AppConfig.ready`` registering
  a collection), under ``if TYPE_CHECKING:`` and in ``try`` blocks. A lazy import is still a
  dependency, so it is held to the same rule;
- a call of ``import_module("...")`` or ``import_string("...")`` with a literal string;
- relative imports, resolved against the file's package.

Every ``.py`` file of an app is read, migrations and management commands included. Migrations
refer to other apps' migrations by string (``dependencies``), which is not an import and is not
checked; the few modules they do import obey the same layering (today: their own app's SQL
definitions, ``addressing.search``, and ``core.spatial``). Dotted strings in settings and URL
includes belong to ``gis_project``, which may import anything.

The rule: an app imports itself and apps of a strictly lower layer (``LAYERS``), nothing else.
Apps of the same layer never import each other. ``ALLOWED`` lists exceptions, each with its
reason (none today); an exception that no import uses any more fails too, so it is removed with
the code that needed it. ``gis_project`` (settings, URLs) may import any app; of the project's
code outside the apps (gis_project, tests, scripts, bench, notebooks) an app may import only
``gis_project.env``, and that module imports no app.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# Lower is more basic. Derived from the imports in the code today; docs/architecture.md draws
# the same table.
LAYERS = {
    # what every app shares: base models, typed errors, roles, collections, tiles, engines
    "core": 0,
    # platform services beside the domains: background jobs; sign-in and single sign-on
    "jobs": 1,
    "accounts": 1,
    # administrative geography: the municipality, its localities, governorates
    "boundaries": 2,
    # generic layers and the file importers; OGC API Features, vector tiles and exports of
    # every registered collection (through core.collections, never importing the domains)
    "layers": 3,
    # the two registers; they never import each other (what needs both is composed above)
    "addressing": 4,
    "parcels": 4,
    # citizens' reports (Open311); the public map shows its report panel
    "servicerequests": 5,
    # services for other government bodies, over the two registers; the retention job
    # (transparency) prunes its request log
    "exchange": 5,
    # the citizens' map and the basemap every map page draws, search and identify across
    # the registers
    "public_map": 6,
    # routes over the street register; its page draws the basemap
    "routing": 7,
    # document delivery: orders, rounds planned over routing, proof of delivery
    "delivery": 8,
    # pages and services nothing else imports
    "demo": 9,
    "editor": 9,
    "transparency": 9,
}

# (importing file, imported module) -> why this import may break the layering. Empty today;
# keep it tiny, one line of reason each.
ALLOWED: dict[tuple[str, str], str] = {}

# The one project module outside the apps that an app may import: the environment reader
# (core.backups hands the database's credentials to pg_dump in a child environment).
PROJECT_MODULES_APPS_MAY_IMPORT = {"gis_project.env"}

IMPORT_CALLS = {"import_module", "import_string"}


@dataclass(frozen=True)
class Import:
    file: str  # relative to the repository root
    line: int
    module: str  # the full dotted name imported

    @property
    def package(self) -> str:
        return self.module.split(".")[0]

    def __str__(self) -> str:
        return f"{self.file}:{self.line} imports {self.module}"


def first_party_apps() -> list[str]:
    """The INSTALLED_APPS entries that are packages of this repository."""
    names = [entry.split(".")[0] for entry in settings.INSTALLED_APPS]
    return [name for name in dict.fromkeys(names) if (ROOT / name / "__init__.py").is_file()]


def project_code_outside_apps() -> set[str]:
    """Top-level names of the repository's own code that is not an app: gis_project, tests,
    scripts, bench, notebooks' modules, manage."""
    apps = set(first_party_apps())
    names = {p.stem for p in ROOT.glob("*.py")}
    for directory in ROOT.iterdir():
        own_code = directory.is_dir() and not directory.name.startswith(".")
        if own_code and directory.name not in apps and any(directory.glob("*.py")):
            names.add(directory.name)
    names |= {p.stem for p in (ROOT / "notebooks").glob("*.py")}
    return names


def _package_of(path: Path) -> list[str]:
    """The package a file belongs to (``core/x.py`` and ``core/__init__.py``: ``core``)."""
    return list(path.relative_to(ROOT).with_suffix("").parts[:-1])


def _imports_of(path: Path) -> list[Import]:
    relative = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(relative, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(path)
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append(Import(relative, node.lineno, module))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            target = node.args[0]
            literal = isinstance(target, ast.Constant) and isinstance(target.value, str)
            if name in IMPORT_CALLS and literal:
                found.append(Import(relative, node.lineno, target.value))
    return found


@cache
def imports_by_app() -> dict[str, tuple[Import, ...]]:
    """Every import in every .py file of each first-party app (migrations included)."""
    return {
        app: tuple(imp for path in sorted((ROOT / app).rglob("*.py")) for imp in _imports_of(path))
        for app in first_party_apps()
    }


def imports_between_apps() -> list[tuple[str, str, Import]]:
    """(importing app, imported app, the import) for each import of another app."""
    apps = set(first_party_apps())
    return [
        (app, imp.package, imp)
        for app, imports in imports_by_app().items()
        for imp in imports
        if imp.package in apps and imp.package != app
    ]


def test_every_installed_app_has_a_layer():
    apps = first_party_apps()
    assert apps, "no first-party app found in INSTALLED_APPS"
    missing = [app for app in apps if app not in LAYERS]
    assert not missing, f"apps in INSTALLED_APPS without a layer in LAYERS: {missing}"
    stale = sorted(set(LAYERS) - set(apps))
    assert not stale, f"LAYERS names apps that are not in INSTALLED_APPS: {stale}"


def test_apps_import_only_apps_of_lower_layers():
    problems = []
    used = set()
    for app, imported, imp in imports_between_apps():
        if LAYERS[imported] < LAYERS[app]:
            continue
        if (imp.file, imp.module) in ALLOWED:
            used.add((imp.file, imp.module))
            continue
        kind = "same layer" if LAYERS[imported] == LAYERS[app] else "higher layer"
        problems.append(
            f"{imp} ({kind}: {app} is in layer {LAYERS[app]}, {imported} in layer "
            f"{LAYERS[imported]})"
        )
    assert not problems, "imports against the layering:\n" + "\n".join(problems)
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"ALLOWED lists imports that no longer exist; remove them: {stale}"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its nodes, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_apps_import_each_other_without_cycles():
    graph: dict[str, set[str]] = defaultdict(set)
    example: dict[tuple[str, str], Import] = {}
    for app, imported, imp in imports_between_apps():
        graph[app].add(imported)
        example.setdefault((app, imported), imp)
    cycle = _cycle(graph)
    assert cycle is None, (
        "the apps import each other in a cycle: "
        + " -> ".join(cycle)
        + "".join(f"\n{example[edge]}" for edge in pairwise(cycle))
    )


def test_apps_import_no_project_code_but_the_environment_reader():
    outside = project_code_outside_apps()
    problems = [
        str(imp)
        for imports in imports_by_app().values()
        for imp in imports
        if imp.package in outside
        and not any(
            imp.module == allowed or imp.module.startswith(f"{allowed}.")
            for allowed in PROJECT_MODULES_APPS_MAY_IMPORT
        )
    ]
    assert not problems, (
        "apps import project code outside the apps (settings come from django.conf.settings; "
        f"only {sorted(PROJECT_MODULES_APPS_MAY_IMPORT)} is shared):\n" + "\n".join(problems)
    )


def test_the_environment_reader_imports_no_app():
    """gis_project.env is the one project module apps may import, so it must stay below them
    (otherwise it would close a cycle through gis_project)."""
    apps = set(first_party_apps())
    env = ROOT / "gis_project" / "env.py"
    problems = [str(imp) for imp in _imports_of(env) if imp.package in apps]
    assert not problems, "gis_project/env.py imports apps:\n" + "\n".join(problems)
