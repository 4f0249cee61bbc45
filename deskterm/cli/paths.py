"""Where the database and the demo sample live."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_data_dir

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
