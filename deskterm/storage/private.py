"""Files that hold customers' data, written for the owner only.

The database is 0600; an export or a report holds the same names and phones, so it is
created 0600 (before any data is in it) in a folder deskterm makes 0700. A folder that
already existed is the user's choice and keeps its mode.

On Windows the mode bits mean nothing (they set only the read-only flag): a file is as
private as the folder it is in, whose access list it inherits. deskterm's own folders
are in the user's ``%LOCALAPPDATA%`` (the database, its backups, exports and reports
beside it, the crash reports), which only that user (and the PC's administrators) can
open; ``chmod`` is not called there at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from deskterm.storage import platform

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
        if platform.chmod_means_something():
            os.chmod(part, FOLDER_MODE)  # mkdir's mode is filtered by the umask


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, the file 0600 before the first byte is written.

    An existing file of that name is narrowed to 0600 too: what is about to go into it
    is the customers' data.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        # Python 3.13 has fchmod on Windows too, where it would only clear the
        # read-only flag: the folder keeps the file private there.
        if platform.chmod_means_something() and hasattr(os, "fchmod"):
            os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) into ``path``, 0600."""
    with open_private(path, "w", encoding="utf-8") as f:
        f.write(text)


def private_place(path: Path, env: dict[str, str] | None = None) -> bool:
    """Whether a file at ``path`` is kept from the PC's other users.

    Elsewhere the file's own mode does it (0600). On Windows it is the folder: inside
    the user's own profile (``%USERPROFILE%``, which holds ``%LOCALAPPDATA%``) only that
    user and the administrators can open it; a folder such as ``D:\\deskterm`` inherits
    the drive's list, which usually lets every user of the PC read it.
    """
    if platform.chmod_means_something():
        return True
    home = platform.private_home(env)
    if home is None:
        return True  # nothing to compare with: say nothing rather than guess
    return platform.inside(path, home)
