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


@pytest.mark.parametrize(
    "layer,forbidden",
    [
        ("domain", {"textual", "sqlmodel", "sqlalchemy", "sqlite3"}),
        ("storage", {"textual"}),
        ("services", {"textual"}),
    ],
)
def test_layer_does_not_import(layer, forbidden):
    out = (
        subprocess.run(
            [sys.executable, "-c", PROBE.format(layer=layer)],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .split(",")
    )
    assert forbidden.isdisjoint(out), forbidden & set(out)


def _imported_names(path):
    """Every module name a file imports (``from deskterm import storage`` included)."""
    import ast

    names = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names += [module, *(f"{module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    return names


STORAGE = ("deskterm.storage", "sqlmodel", "sqlalchemy", "sqlite3")


def test_the_ui_and_the_cli_reach_storage_only_through_services():
    """Screens and commands call services, never SQL or the storage layer directly."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "deskterm"
    bad = []
    for layer in ("ui", "cli"):
        for path in (root / layer).rglob("*.py"):
            bad += [f"{path.name}: {n}" for n in _imported_names(path) if n.startswith(STORAGE)]
    assert bad == []


def test_each_command_module_reaches_the_database_only_through_services_and_opened():
    """A command of ``cli/commands`` imports no storage and opens no database itself:
    ``cli.database.opened`` is the one way (it calls the services' ``open_context``)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "deskterm" / "cli" / "commands"
    modules = sorted(folder.glob("*.py"))
    assert len(modules) > 10  # the rule is not proved on an empty folder
    bad = []
    for path in modules:
        text = path.read_text("utf-8")
        bad += [f"{path.name}: {n}" for n in _imported_names(path) if n.startswith(STORAGE)]
        bad += [f"{path.name}: {word}" for word in ("open_context", "db.close") if word in text]
    assert bad == []


def test_the_xlsx_library_stays_optional():
    """The core install never imports openpyxl: only reading or writing .xlsx does."""
    probe = (
        "import sys, deskterm.cli.main, deskterm.services.importing, "
        "deskterm.services.exporting, deskterm.ui.app, deskterm.ui.screens.importing; "
        "print('openpyxl' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_the_postgresql_driver_stays_optional(tmp_path):
    """A shop on its SQLite file never imports psycopg, not even to open the desk, copy
    its database or back it up: only a postgresql:// address does."""
    probe = (
        "import sys\n"
        "from datetime import datetime\n"
        "from deskterm.clock import FixedClock\n"
        "from deskterm.services import backups, maintenance\n"
        "import deskterm.cli.main, deskterm.ui.app\n"
        f"ctx = maintenance.open_context({str(tmp_path / 'a.db')!r}, "
        "FixedClock(datetime(2026, 3, 2, 9, 0)))\n"
        "backups.backup_now(ctx)\n"
        f"maintenance.copy_to(ctx, {str(tmp_path / 'b.db')!r})\n"
        "ctx.db.close()\n"
        "print('psycopg' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"
