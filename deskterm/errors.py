"""Errors a user can cause, carrying a translatable message and the field it belongs to."""

from __future__ import annotations

from deskterm.i18n import _


class DesktermError(Exception):
    """Base of every error meant to be shown to a user (never a traceback).

    ``msgid`` is an English message id for the translation layer; ``field`` names
    the form field the message belongs to, so a form can show it at that field.
    """

    def __init__(self, msgid: str, /, field: str | None = None, **params: object) -> None:
        self.msgid = msgid
        self.field = field
        self.params = params
        super().__init__(msgid.format(**params) if params else msgid)

    @property
    def message(self) -> str:
        """The message in the current language."""
        return _(self.msgid, **self.params)


class InvalidInput(DesktermError):
    """A value typed by a user does not pass validation."""


class RuleViolation(DesktermError):
    """An action the showroom's rules do not allow in the current state."""


class NotFound(DesktermError):
    """A referenced record does not exist."""


class StorageError(DesktermError):
    """The database cannot be opened or used (corrupt, newer version, read-only…)."""


class DamagedDatabase(StorageError):
    """The file is not a sound SQLite database: offer the newest backup, never overwrite."""
