"""What the file system does differently on Windows, the reception PC of most showrooms.

Three things deskterm needs answered differently there, with the standard library only
(``ctypes`` to ``kernel32``, never pywin32):

- *Is this on a network share?* There is no ``/proc/mounts``: a UNC path
  (``\\\\server\\share\\…``) is one, and so is a drive letter Windows reports as
  ``DRIVE_REMOTE`` (a mapped network drive, ``net use Z: \\\\server\\share``).
- *Is this disk read-only?* There is no ``statvfs``: the volume's flags say so.
- *May this file be moved?* A file another program holds open (another deskterm
  window, Excel, an antivirus scan, a backup agent) cannot be renamed, replaced or
  deleted: Windows refuses with a ``PermissionError`` (sharing violation, WinError 32,
  or access denied, WinError 5). Scans let go within a second, so a move is retried a
  few times before the refusal is reported.

The platform is read from ``sys.platform`` at each call and ``kernel32`` through
``_kernel32()``, so the tests drive every Windows branch on Linux with a fake.
"""

from __future__ import annotations

import contextlib
import ntpath
import os
import sys
import time
from collections.abc import Callable
from typing import Any

#: ``GetDriveTypeW``'s answers (winbase.h).
DRIVE_UNKNOWN = 0
DRIVE_NO_ROOT_DIR = 1
DRIVE_REMOVABLE = 2
DRIVE_FIXED = 3
DRIVE_REMOTE = 4
DRIVE_CDROM = 5
DRIVE_RAMDISK = 6
#: ``GetVolumeInformationW``'s flag of a read-only volume (winnt.h).
FILE_READ_ONLY_VOLUME = 0x00080000
#: Windows' error numbers for a file another process holds: access denied (a file open
#: in Excel, which shares it for reading only), sharing and lock violations.
ERROR_ACCESS_DENIED = 5
ERROR_SHARING_VIOLATION = 32
ERROR_LOCK_VIOLATION = 33
HELD = (ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION)

#: How often, and how long apart, a refused move is tried again: an antivirus or
#: search-indexer scan of a freshly written file holds it for well under a second.
ATTEMPTS = 5
PAUSE = 0.2


def is_windows() -> bool:
    """Whether this is Windows (read at each call: the tests pretend)."""
    return sys.platform == "win32"


def _kernel32() -> Any:  # pragma: no cover - Windows only; the tests replace it
    import ctypes

    return ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]


def is_unc(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a network location by its server (``\\\\server\\share``).

    ``\\\\?\\C:\\…`` (a long local path) and ``\\\\.\\…`` (a device) start with two
    backslashes too but are on this PC; ``\\\\?\\UNC\\server\\share`` is a UNC path.
    """
    text = os.fspath(path).replace("/", "\\")
    if text.upper().startswith("\\\\?\\UNC\\"):
        return True
    if text.startswith(("\\\\?\\", "\\\\.\\")):
        return False
    return text.startswith("\\\\") and len(text) > 2


def drive_root(path: str | os.PathLike[str]) -> str | None:
    """``C:\\`` for ``C:\\Users\\…`` (None for a path without a drive letter)."""
    text = os.fspath(path)
    if text.startswith("\\\\?\\") and not text.upper().startswith("\\\\?\\UNC\\"):
        text = text[4:]
    drive = ntpath.splitdrive(text)[0]
    if len(drive) == 2 and drive[1] == ":" and drive[0].isalpha():
        return drive.upper() + "\\"
    return None


def drive_type(path: str | os.PathLike[str]) -> int:
    """What Windows says the drive of ``path`` is (``DRIVE_REMOTE`` for a mapped share)."""
    root = drive_root(path)
    if root is None:
        return DRIVE_UNKNOWN
    try:
        return int(_kernel32().GetDriveTypeW(root))
    except (OSError, AttributeError):  # no kernel32: say nothing rather than guess
        return DRIVE_UNKNOWN


def windows_network_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is on a network share by Windows' rules: UNC, or a mapped drive."""
    return is_unc(path) or drive_type(path) == DRIVE_REMOTE


def windows_read_only_volume(path: str | os.PathLike[str]) -> bool:
    """Whether the volume holding ``path`` is read-only (a locked card, a CD)."""
    import ctypes

    text = os.fspath(path)
    root = drive_root(text)
    if root is None and is_unc(text):
        # \\server\share\… -> \\server\share\ (the volume's root, as the call wants it)
        drive = ntpath.splitdrive(text)[0]
        root = drive + "\\" if drive else None
    if root is None:
        return False
    flags = ctypes.c_ulong(0)
    try:
        ok = _kernel32().GetVolumeInformationW(
            root, None, 0, None, None, ctypes.byref(flags), None, 0
        )
    except (OSError, AttributeError):
        return False
    return bool(ok) and bool(flags.value & FILE_READ_ONLY_VOLUME)


def held_elsewhere(error: BaseException) -> bool:
    """Whether ``error`` is Windows refusing to move, replace or delete a file because
    another program holds it (or because it is read-only: the same words fit both)."""
    if not isinstance(error, PermissionError):
        return False
    code = getattr(error, "winerror", None)
    if code is not None:
        return code in HELD
    return is_windows()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # a module function, so the tests count the waits instead


def retrying(action: Callable[[], object], *, attempts: int | None = None) -> None:
    """Run ``action`` (a rename, a replace, a delete); while Windows answers that another
    program holds the file, wait ``PAUSE`` and try again, ``ATTEMPTS`` times in all.

    Any other error, and the last refusal, is raised as it came: the caller says what
    it means for its file.
    """
    attempts = ATTEMPTS if attempts is None else attempts
    for attempt in range(1, attempts + 1):
        try:
            action()
            return
        except PermissionError as exc:
            if attempt >= attempts or not held_elsewhere(exc):
                raise
        _sleep(PAUSE)


def rename(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """``os.rename`` that waits out a scan holding the file (see ``retrying``)."""
    retrying(lambda: os.rename(source, target))


def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """``os.replace`` that waits out a scan holding either file (see ``retrying``)."""
    retrying(lambda: os.replace(source, target))


def unlink(path: str | os.PathLike[str]) -> None:
    """``os.unlink`` (a missing file is fine) that waits out a scan holding the file."""

    def remove() -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    retrying(remove)


def chmod_means_something() -> bool:
    """Whether a file's mode bits keep others out. On Windows they set only the
    read-only flag: privacy there comes from the folder (the user's own profile,
    ``%LOCALAPPDATA%``, which other users of the PC cannot open)."""
    return not is_windows()


def private_home(env: dict[str, str] | None = None) -> str | None:
    """The Windows user's own folder (``%USERPROFILE%``), whose contents inherit an
    access list of that user, the administrators and the system only."""
    env = dict(os.environ) if env is None else env
    return env.get("USERPROFILE") or env.get("LOCALAPPDATA") or None


def inside(path: str | os.PathLike[str], folder: str) -> bool:
    """Whether the Windows path ``path`` is ``folder`` or inside it (case-insensitive)."""
    a = ntpath.normcase(ntpath.normpath(os.fspath(path)))
    b = ntpath.normcase(ntpath.normpath(folder))
    return a == b or a.startswith(b.rstrip("\\") + "\\")
