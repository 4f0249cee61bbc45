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
