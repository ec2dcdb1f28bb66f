"""The layers of docs/architecture.md, checked on the source: no import circles, and each layer
imports only what it may (the client knows nothing of Django; services never reach up into forms,
views or tasks; the simulator shares no code with the client)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "channels"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of the project this one imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            targets = [m for m in submodules if m in modules] or [base]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


GRAPH = {name: _imports(name, path, _modules()) for name, path in _modules().items()}


def _reaches(start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        for target in GRAPH[current]:
            if target == goal:
                return True
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return False


def test_no_module_imports_itself_back_through_others():
    circles = sorted(name for name in GRAPH if _reaches(name, name))
    assert circles == []


def test_the_cdiscount_client_imports_nothing_of_django_or_the_app():
    for name, path in _modules().items():
        if not name.startswith("channels.cdiscount"):
            continue
        imported = {
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not [m for m in imported if m.split(".")[0] == "django"], name
        assert all(t.startswith("channels.cdiscount") for t in GRAPH[name]), name


def test_services_never_import_forms_views_or_tasks():
    upper = {"channels.forms", "channels.views", "channels.tasks", "channels.admin"}
    for name, targets in GRAPH.items():
        if name.startswith("channels.services"):
            assert not targets & upper, (name, targets & upper)


def test_the_simulator_shares_no_code_with_the_app():
    for name, targets in GRAPH.items():
        if name.startswith("channels.simulator"):
            assert all(t.startswith("channels.simulator") for t in targets), (name, targets)
