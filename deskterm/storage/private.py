"""Files that hold customers' data, written for the owner only.

The database is 0600; an export or a report holds the same names and phones, so it is
created 0600 (before any data is in it) in a folder deskterm makes 0700. A folder that
already existed is the user's choice and keeps its mode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parents as 0700 (the umask may not narrow them)."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for part in reversed(missing):
        try:
            part.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # another window made it at the same moment
        os.chmod(part, FOLDER_MODE)  # mkdir's mode is filtered by the umask


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, the file 0600 before the first byte is written.

    An existing file of that name is narrowed to 0600 too: what is about to go into it
    is the customers' data.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) into ``path``, 0600."""
    with open_private(path, "w", encoding="utf-8") as f:
        f.write(text)
