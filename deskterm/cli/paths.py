"""Where the database and the demo sample live."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_data_dir

from deskterm.errors import StorageError

SAMPLE_NAME = "deskterm.db.sample"


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    """``DESKTERM_DB`` if set, else ``deskterm.db`` in the platform's user-data folder."""
    env = os.environ if env is None else env
    if env.get("DESKTERM_DB"):
        return Path(env["DESKTERM_DB"]).expanduser()
    return Path(user_data_dir("deskterm", appauthor=False)) / "deskterm.db"


def find_sample(env: Mapping[str, str] | None = None) -> Path | None:
    """The committed demo database: ``DESKTERM_SAMPLE``, else beside the package (a checkout)."""
    env = os.environ if env is None else env
    candidates = []
    if env.get("DESKTERM_SAMPLE"):
        candidates.append(Path(env["DESKTERM_SAMPLE"]).expanduser())
    candidates.append(Path(__file__).resolve().parents[2] / SAMPLE_NAME)
    candidates.append(Path.cwd() / SAMPLE_NAME)
    return next((p for p in candidates if p.is_file()), None)


def demo_copy(sample: Path) -> Path:
    """A throw-away copy of the sample in a private temporary folder.

    Copied through SQLite's backup API and opened from the copy only, so the
    committed file is never modified (not even its journal mode or mtime).
    """
    folder = Path(tempfile.mkdtemp(prefix="deskterm-demo-"))
    target = folder / "demo.db"
    try:
        src = sqlite3.connect(f"file:{sample}?mode=ro&immutable=1", uri=True)
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        dst.close()
        src.close()
    except sqlite3.Error as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise StorageError("Cannot read the demo database {path}: {error}", path=str(sample),
                           error=str(exc)) from exc
    return target


def demo_today(path: Path) -> str | None:
    """The sample's own "today" (setting ``demo.today``), read before the clock exists."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT value FROM setting WHERE key = 'demo.today'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return row[0] if row else None
