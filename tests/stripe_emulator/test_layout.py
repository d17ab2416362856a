"""The package's own structure: its modules import one another without cycles."""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_app

PACKAGE = Path(__file__).resolve().parents[2] / "stripe_emulator"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.Module) -> list[ast.ImportFrom | ast.Import]:
    """The imports that run: those under `if TYPE_CHECKING:` only serve type checkers."""
    found: list[ast.ImportFrom | ast.Import] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING":
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif node.level == 0:
                targets = [node.module or ""]
            else:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                stem = f"{base}.{node.module}" if node.module else base
                # `from . import billing` names a module; `from .forms import as_int` a name in one.
                targets = [
                    f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem
                    for alias in node.names
                ]
            # A package's own __init__ is always imported before its modules: not an edge.
            graph[name] |= {
                target
                for target in targets
                if target in modules and target != name and not name.startswith(f"{target}.")
            }
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph`, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := walk(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_the_graph_sees_the_package_imports():
    """The graph holds the imports the modules make (a sanity check of the reading above)."""
    graph = import_graph()
    assert "stripe_emulator.resources.billing" in graph["stripe_emulator.threeds"]
    assert "stripe_emulator.store" in graph["stripe_emulator.resources.customers"]
    assert "stripe_emulator.emulator" not in graph["stripe_emulator.client"]  # TYPE_CHECKING


def test_no_import_cycles():
    """No module imports, directly or through others, one that imports it back."""
    assert cycle(import_graph()) is None
