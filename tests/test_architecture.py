"""The dependency rules of docs/architecture.md, checked on the source.

Parses every module of `content/` and `lms/` (no import is executed) and
fails on: `content` importing lms or flask; a services module (or the pure
library modules listed below) importing flask; a package importing a higher
one; a private name imported from another package; an import hidden inside a
function where it breaks no cycle."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. A module may import its own layer and the layers below it.
# Top-level modules of lms are layers of their own; packages are one layer each.
LAYERS: list[tuple[str, ...]] = [
    ("config", "enums", "msgids", "labels", "db", "dbutil", "events", "csvfile", "migrate", "backup", "zones"),
    ("audit",),
    ("json_errors", "params", "web", "permissions", "forms", "i18n", "templating", "health", "csv_upload"),
    ("auth",),
    ("orgs",),
    ("search",),
    ("courses",),
    ("media",),
    ("learn",),
    ("catalog",),
    ("assignments",),
    ("people",),
    ("classroom",),
    ("evaluations",),
    ("programmes",),
    ("certificates",),
    ("xapi",),
    ("reports",),
    ("surveys",),
    ("authoring",),
    ("discussion",),
    ("dashboard",),
    ("api",),
    ("demo", "models"),
    ("cli",),
    ("__init__",),
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}

# Modules that must stay free of flask although they are not called services.py.
PURE_MODULES = {"lms/events.py", "lms/csvfile.py", "lms/db.py", "lms/dbutil.py",
                "lms/orgs/csv_import.py", "lms/people/user_import.py", "lms/reports/counters.py",
                "lms/reports/coverage_sql.py", "lms/assignments/mail.py",
                "lms/surveys/csv_import.py", "lms/surveys/needs.py", "lms/surveys/report_sql.py",
                "lms/evaluations/recorded.py", "lms/catalog/delivery.py"}


def _unit(path: Path, root: Path = ROOT) -> str:
    """The layer name of a file under lms/: its package, or its module name."""
    parts = path.relative_to(root / "lms").parts
    return parts[0] if len(parts) > 1 else path.stem


def _unit_of_module(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "lms":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path):
    """(line, module, names, inside a function?) for every import of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested.update(id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lms":  # from lms import events
            for alias in node.names:
                yield node.lineno, f"lms.{alias.name}", [], id(node) in nested
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [a.name for a in node.names], id(node) in nested
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, [], id(node) in nested


def _files(top: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / top).rglob("*.py"))


def test_every_lms_module_has_a_layer():
    missing = sorted({_unit(p) for p in _files("lms")} - set(RANK) - {"translations"})
    assert not missing, f"add these to LAYERS in tests/test_architecture.py and docs/architecture.md: {missing}"


def test_every_package_has_an_init():
    packages = {p.parent for p in _files("lms")} | {p.parent for p in _files("content")}
    assert not [str(p.relative_to(ROOT)) for p in packages if not (p / "__init__.py").exists()]


def test_content_is_a_pure_library():
    bad = [f"{p.relative_to(ROOT)}:{line} imports {module}" for p in _files("content")
           for line, module, _names, _nested in _imports(p) if module.split(".")[0] in ("lms", "flask", "flask_babel", "werkzeug")]
    assert not bad, bad


def test_services_never_import_flask():
    bad = []
    for p in _files("lms"):
        rel = str(p.relative_to(ROOT))
        if p.name == "services.py" or rel in PURE_MODULES:
            bad += [f"{rel}:{line} imports {module}" for line, module, _n, _f in _imports(p)
                    if module.split(".")[0] in ("flask", "flask_login", "flask_babel", "flask_wtf", "werkzeug")
                    or module in ("lms.web", "lms.permissions")]
    assert not bad, bad


def _layer_violations(root: Path = ROOT) -> list[str]:
    bad = []
    for p in _files("lms", root):
        here = _unit(p, root)
        for line, module, _names, _nested in _imports(p):
            there = _unit_of_module(module)
            if there is None or there == here:
                continue
            if there not in RANK:
                bad.append(f"{p.relative_to(root)}:{line} imports {module}, which has no layer")
            elif RANK[there] > RANK[here]:
                bad.append(f"{p.relative_to(root)}:{line}: {here} (layer {RANK[here]}) imports {module} (layer {RANK[there]})")
    return bad


def test_no_package_imports_a_higher_one():
    bad = _layer_violations()
    assert not bad, "\n".join(bad)


def test_no_private_name_crosses_packages():
    bad = []
    for p in _files("lms"):
        here = _unit(p)
        for line, module, names, _nested in _imports(p):
            there = _unit_of_module(module)
            if there is None or there == here:
                continue
            bad += [f"{p.relative_to(ROOT)}:{line} imports {module}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    assert not bad, bad


def test_no_private_attribute_of_another_package_is_used():
    """`catalog._helper(...)` through an imported module is the same breach as importing `_helper`."""
    bad = []
    for p in _files("lms"):
        here = _unit(p)
        tree = ast.parse(p.read_text(encoding="utf-8"))
        foreign: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lms"):
                for alias in node.names:
                    module = node.module if node.module != "lms" else f"lms.{alias.name}"
                    if _unit_of_module(module) not in (None, here):
                        foreign.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in foreign
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                bad.append(f"{p.relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not bad, bad


def test_imports_inside_functions_are_only_lazy_by_need():
    """Imports belong at the top. Allowed inside a function: the factory and
    the CLI (they load features on demand) and heavy optional libraries."""
    allowed_files = {"lms/__init__.py", "lms/cli.py"}
    bad = []
    for p in _files("lms"):
        rel = str(p.relative_to(ROOT))
        if rel in allowed_files:
            continue
        bad += [f"{rel}:{line} imports {module}" for line, module, _n, nested in _imports(p)
                if nested and module.startswith("lms")]
    assert not bad, "\n".join(bad)


def test_the_layer_check_can_fail(tmp_path):
    """A layer rule that nothing could break would prove nothing: a module in a
    low layer importing a high one is caught (in a copy, not in the real tree)."""
    (tmp_path / "lms" / "auth").mkdir(parents=True)
    (tmp_path / "lms" / "auth" / "probe.py").write_text("from lms.reports import services\n", encoding="utf-8")
    (tmp_path / "lms" / "reports").mkdir()
    (tmp_path / "lms" / "reports" / "services.py").write_text("from lms.auth import models\n", encoding="utf-8")
    assert _layer_violations(tmp_path) == [
        "lms/auth/probe.py:1: auth (layer 3) imports lms.reports (layer 17)"]


def test_views_run_no_sql_of_their_own():
    """Queries live in services (or a module of them); a view asks a service."""
    bad = []
    for p in _files("lms"):
        if p.name != "views.py" and p.parent.name != "api":
            continue
        for line, module, names, _nested in _imports(p):
            if module == "sqlalchemy" and {"select", "update", "delete", "insert", "text"} & set(names):
                bad.append(f"{p.relative_to(ROOT)}:{line} imports {', '.join(names)} from sqlalchemy")
    assert not bad, bad
