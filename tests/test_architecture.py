"""The layering the folder layout promises."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def imports_of(path):
    """Absolute names of the modules `path` imports (relative imports resolved)."""
    package = ["app", *path.relative_to(APP).parent.parts]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            yield ".".join([*base, node.module] if node.module else base)


def test_only_the_stripe_gateway_imports_stripe():
    """Exactly one module imports the Stripe SDK."""
    importers = sorted(
        str(path.relative_to(APP)) for path in APP.rglob("*.py")
        if any(name == "stripe" or name.startswith("stripe.") for name in imports_of(path))
    )  # fmt: skip
    assert importers == ["payments/stripe_gateway.py"]


def test_services_and_models_never_import_blueprints_or_the_request():
    """Arrows point down: services and models know nothing of views or Flask's request."""
    blueprints = ("readers", "accounts", "billing", "webhooks", "staff", "ops")
    for layer in ("services", "models", "payments"):
        for path in (APP / layer).rglob("*.py"):
            source = path.read_text()
            names = list(imports_of(path))
            assert not any(
                name.split(".")[:2] in [["app", b] for b in blueprints] for name in names
            ), path
            assert "request" not in {n.strip() for line in source.splitlines()
                                     if line.startswith("from flask import") for n in line[17:].split(",")}, path  # fmt: skip


def test_models_never_import_services():
    """Models sit at the bottom."""
    for path in (APP / "models").rglob("*.py"):
        assert not any(name.startswith("app.services") for name in imports_of(path)), path


# The import graph ----------------------------------------------------------------------------------


def module_name(path):
    """`app/services/billing.py` -> `app.services.billing`; a package's `__init__` is the package."""
    parts = ["app", *path.relative_to(APP).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in APP.rglob("*.py")}


def _type_checking(node):
    """`if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): imports for the type checker only."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(nodes):
    """Every import statement in `nodes`, at any depth, except those only the type checker runs."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif _type_checking(node):
            yield from _import_nodes(node.orelse)
        else:
            yield from _import_nodes(ast.iter_child_nodes(node))


def _is_blueprint_package(name):
    """A package whose `__init__` makes a blueprint `bp` (and imports its view modules at its foot)."""
    path = MODULES[name]
    return path.name == "__init__.py" and any(
        isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "bp" for t in node.targets)
        for node in ast.parse(path.read_text()).body
    )


def edges_of(name):
    """The app modules `name` imports, module-level and function-level alike; `from . import x`
    counts as importing the submodule `x` when there is one. Left out are the two halves of Flask's
    blueprint pattern, which import each other by design: a blueprint package's `__init__` importing
    its own modules at its foot, and those modules taking `bp` from it."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        parts = package.split(".")
        base = ".".join(parts[: len(parts) - node.level + 1]) if node.level else ""
        source = ".".join(filter(None, [base, node.module]))
        names = [alias.name for alias in node.names]
        found.update(f"{source}.{n}" for n in names if f"{source}.{n}" in MODULES)
        others = [n for n in names if f"{source}.{n}" not in MODULES]
        if others and not (source == package != name and others == ["bp"]):
            found.add(source)
    own_modules = _is_blueprint_package(name)
    return {
        target for target in found
        if target in MODULES and target != name
        and not (own_modules and target.rpartition(".")[0] == name)
    }  # fmt: skip


def find_cycle(graph):
    """One import cycle of `graph` as a list of modules (first == last), or None."""
    done, path = set(), []

    def visit(name):
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return None
        path.append(name)
        for target in sorted(graph[name]):
            if cycle := visit(target):
                return cycle
        path.pop()
        done.add(name)
        return None

    for name in sorted(graph):
        if cycle := visit(name):
            return cycle
    return None


def test_no_import_cycles():
    """No module of app/ imports, however indirectly, a module that imports it back."""
    cycle = find_cycle({name: edges_of(name) for name in MODULES})
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_check_finds_a_cycle():
    """The checker itself: a circle of three is reported, a line is not."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_paying_and_the_event_handlers_share_the_money_rules():
    """billing and billing_events both build on money; neither imports the other, nor the ledger."""
    billing, events = edges_of("app.services.billing"), edges_of("app.services.billing_events")
    assert "app.services.money" in billing & events
    assert not billing & {"app.services.ledger", "app.services.billing_events"}
    assert "app.services.billing" not in events
    assert not edges_of("app.services.money") & {
        "app.services.billing", "app.services.billing_events", "app.services.ledger"
    }  # fmt: skip


def test_blueprint_packages_and_their_views_are_one_node_apart():
    """The blueprint pattern is left out of the graph: `__init__` -> routes -> `bp` is no cycle."""
    assert "app.webhooks.routes" not in edges_of("app.webhooks")
    assert "app.webhooks" not in edges_of("app.webhooks.routes")
    assert "app.services.ledger" in edges_of("app.webhooks.routes")


def test_the_stripe_emulator_stands_apart_from_the_app():
    """The emulator imports nothing of app/, and no module of app/ imports the emulator: the app
    reaches it only through the Stripe SDK, as it reaches Stripe."""
    emulator = APP.parent / "stripe_emulator"
    for path in emulator.rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names]  # fmt: skip
        names += [node.module or "" for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and not node.level]  # fmt: skip
        assert not any(name == "app" or name.startswith("app.") for name in names), path
    for path in APP.rglob("*.py"):
        assert not any(name.startswith("stripe_emulator") for name in imports_of(path)), path


def test_no_application_module_branches_on_sandbox_or_stripe():
    """One payment path: nothing in app/ mentions a sandbox or asks which gateway it has."""
    for path in APP.rglob("*.py"):
        source = path.read_text().lower()
        assert "sandbox" not in source and "gateway.name" not in source, path
