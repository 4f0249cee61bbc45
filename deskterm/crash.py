"""Crash reports: an unexpected error is written to a private file, never shown as a traceback.

A traceback on the front-desk screen is read by whoever stands at the desk, and Rich's
shows the locals: the server address with its password among them. The report holds
the traceback text without locals, with every password masked, in a file only the
desk's user can read (0600 in a 0700 folder; on Windows, where modes mean nothing, in
the user's own ``%LOCALAPPDATA%``, which other users of the PC cannot open).
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from datetime import datetime
from pathlib import Path

#: ``postgresql://user:secret@host`` (any scheme with a user and password before ``@``).
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^:/@\s'\"]*:)[^@\s'\"]*@", re.IGNORECASE)
#: ``password=secret`` / ``password: 'secret'`` / ``PGPASSWORD=secret`` (libpq style).
_KEY_PASSWORD = re.compile(
    r"""((?:pass(?:word|wd)?|pgpassword|secret|pin)['"]?\s*[=:]\s*)('[^']*'|"[^"]*"|[^\s,;&)]+)""",
    re.IGNORECASE,
)
MASK = "***"


def mask_secrets(text: str) -> str:
    """``text`` with every password in a database address or ``password=`` masked."""
    text = _URL_PASSWORD.sub(rf"\1{MASK}@", text)
    return _KEY_PASSWORD.sub(rf"\1{MASK}", text)


def crash_folder() -> Path:
    """Where crash reports go: ``DESKTERM_CRASH_DIR``, else the user's state folder."""
    override = os.environ.get("DESKTERM_CRASH_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "deskterm" / "crash"


def one_line(error: BaseException) -> str:
    """The error's type and first line, masked: what the screen or console may show."""
    first = (str(error).strip().splitlines() or [""])[0]
    return mask_secrets(f"{type(error).__name__}: {first}" if first else type(error).__name__)


def write_report(error: BaseException, where: str = "") -> Path | None:
    """Write ``error``'s traceback (no locals, secrets masked) to a new 0600 file.

    Returns its path, or None when no report could be written (a full or read-only
    disk must not turn one error into two).
    """
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    from deskterm import __version__

    body = mask_secrets(
        f"deskterm {__version__} — {where or 'unexpected error'}\n"
        f"{datetime.now().astimezone().isoformat(timespec='seconds')}\n\n"
        f"{text}"
    )
    try:
        folder = crash_folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if sys.platform != "win32":  # Windows: only the read-only flag; the folder is private
            os.chmod(folder, 0o700)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        for n in range(100):
            path = folder / f"crash-{stamp}-{os.getpid()}{f'-{n}' if n else ''}.txt"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(body)
            return path
    except OSError:
        return None
    return None
