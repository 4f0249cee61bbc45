"""Layers point one way: domain ← storage ← services ← ui/cli (proved by what gets imported)."""

import subprocess
import sys

import pytest

PROBE = """
import importlib, pkgutil, sys
import deskterm.{layer} as pkg
for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    importlib.import_module(m.name)
print(",".join(sorted({{n.split(".")[0] for n in sys.modules}})))
"""


@pytest.mark.parametrize("layer,forbidden", [
    ("domain", {"textual", "sqlmodel", "sqlalchemy", "sqlite3"}),
    ("storage", {"textual"}),
    ("services", {"textual"}),
])
def test_layer_does_not_import(layer, forbidden):
    out = subprocess.run([sys.executable, "-c", PROBE.format(layer=layer)], capture_output=True,
                         text=True, check=True).stdout.strip().split(",")
    assert forbidden.isdisjoint(out), forbidden & set(out)


def test_the_ui_and_the_cli_reach_storage_only_through_services():
    """Screens and commands call services, never SQL or the storage layer directly."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "deskterm"
    bad = []
    for layer in ("ui", "cli"):
        for path in (root / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                         else [a.name for a in node.names] if isinstance(node, ast.Import)
                         else [])
                bad += [f"{path.name}: {n}" for n in names
                        if n.startswith(("deskterm.storage", "sqlmodel", "sqlalchemy",
                                         "sqlite3"))]
    assert bad == []


def test_the_xlsx_library_stays_optional():
    """The core install never imports openpyxl: only reading or writing .xlsx does."""
    probe = ("import sys, deskterm.cli.main, deskterm.services.importing, "
             "deskterm.services.exporting, deskterm.ui.app, deskterm.ui.screens.importing; "
             "print('openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
