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
    blueprints = ("readers", "accounts", "billing", "staff", "ops")
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
