"""What every deskterm screen shares: the context, the levels, running services off the loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events, work
from textual.events import Key
from textual.screen import Screen

from deskterm.domain.levels import Levels
from deskterm.errors import DesktermError
from deskterm.i18n import _
from deskterm.services import setup
from deskterm.services.context import Context
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.screens.dialogs import PickScreen


class WhoAreYouScreen(PickScreen):
    """ "Who are you?" on opening a person's screen (F3, F8). Asking is no trap: a screen
    key (F2–F8) closes it and goes to that screen, through the app's one gate."""

    def on_key(self, event: Key) -> None:
        from deskterm.ui.app import SCREENS

        mode = next((spec.mode for spec in SCREENS if spec.key == event.key), None)
        if mode is None:
            return  # Textual runs PickScreen.on_key (the digits) after this one
        event.stop()
        event.prevent_default()  # not PickScreen's handler as well
        self.dismiss(None)
        # switch_mode passes app.may_open (and says why when the role may not).
        self.app.call_later(self.app.switch_mode, mode)


class DeskScreen(WorkerBoundary, Screen[None]):
    """A screen of the deskterm app.

    Textual has no media queries: the screen carries ``-narrow`` under
    ``NARROW_BELOW`` columns and ``-short`` under ``SHORT_BELOW`` lines, for its CSS
    to lay out a small desk's terminal differently (panes stacked, not side by side).
    """

    NARROW_BELOW = 120
    SHORT_BELOW = 30

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    def on_resize(self, _event: events.Resize) -> None:
        self._fit_layout()

    def _fit_layout(self) -> None:
        """Toggle the size classes the screen's CSS reads."""
        self.set_class(self.size.width < self.NARROW_BELOW, "-narrow")
        self.set_class(self.size.height < self.SHORT_BELOW, "-short")

    @property
    def ctx(self) -> Context:
        return self.app.ctx  # type: ignore[attr-defined,no-any-return]

    @property
    def levels(self) -> Levels:
        return self.app.levels  # type: ignore[attr-defined,no-any-return]

    def level_name(self, code: str) -> str:
        """A level's name in the current language (the code if unknown)."""
        try:
            return self.levels.get(code).name
        except DesktermError:
            return code

    @work(thread=True, group="service", exit_on_error=False)
    def run_service(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """Run a service in a thread; an error is reported by the app's one worker
        boundary (``DesktermApp.worker_failed``), never swallowed."""
        result = fn(*args, **kwargs)
        if then is not None:
            self.app.call_from_thread(then, result)
        self.app.call_from_thread(self.refresh_data)

    def refresh_data(self) -> None:
        """Reload what the screen shows (screens override)."""

    def signed_in_person(self, roles: tuple[str, ...]) -> tuple[int, str] | None:
        """The signed-in person if their role is one of ``roles`` (with PINs, nobody
        picks someone else's name)."""
        actor = getattr(self.app, "actor", None)
        if actor is not None and actor.role in roles:
            return actor.id, actor.name
        return None

    def choose_person(self, roles: tuple[str, ...], then: Callable[[int, str], None]) -> None:
        """Ask "who are you?" among the active staff of ``roles``; ``then(id, name)``.

        Signed in with a PIN, the answer is the signed-in person, without asking.
        """
        me = self.signed_in_person(roles)
        if me is not None:
            then(*me)
            return
        people = [(str(p.id), p.name) for role in roles for p in setup.list_staff(self.ctx, role)]
        if not people:
            self.notify(_("Nobody with this role yet (deskterm staff add)."), severity="warning")
            return

        def picked(sid: str | None) -> None:
            if sid:
                then(int(sid), dict(people)[sid])

        self.app.push_screen(WhoAreYouScreen(_("Who are you?"), people), picked)
