"""Keys typed ahead of the screen they are meant for wait for it.

A terminal hands the app every key that arrived together (a fast typist, a paste of keys,
tmux ``send-keys``) at once, and Textual hands each one on to whatever has the focus *at
that moment*. So ``n 1 Ann`` typed in one breath at the reception board went, all seven
keys, to the board: the question "first visit?" was not up yet when the ``1`` was handed
on, and the form was not up when ``Ann`` was ("n" then opened the question again).

The gate below hands on one key at a time: the next key waits until the one before it
has been through the widget that got it and up to the app (a ``KeyPassed`` message sent
behind it takes the same road), and, when a screen came or went meanwhile, until the new
screen has been drawn and has its focus. A screen opened by background work (a walk-in is
registered in a worker, then its form opens) is waited for explicitly: ``hold_for_screen``.
No key is ever dropped silently: if what was waited for fails (the worker's error is
shown), the keys typed for a form that never opened are dropped with the terminal's bell,
so they do not act on the board behind it.

Every wait has a limit, so a lost message can slow the keys down a little, never stop them.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

log = logging.getLogger(__name__)

#: How long a key's round trip may take before the next key goes anyway (seconds).
PASS_LIMIT = 0.5
#: How long a new screen may take to be drawn before keys go to it anyway.
SCREEN_LIMIT = 1.0
#: How long keys wait for a screen that background work is to open; past it they are
#: dropped (the board behind must not act on a name typed for a form).
HOLD_LIMIT = 10.0

Typed = events.Key | events.Paste


class KeyPassed(Message, bubble=True):
    """Sent behind a key to the widget that got it: when it reaches the app, the key has
    been handled there and on the way up."""

    def __init__(self, ticket: int) -> None:
        super().__init__()
        self.ticket = ticket


class TypeAhead:
    """The app's gate for typed keys (see the module's docstring)."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._held: deque[Typed] = deque()
        self._released: set[int] = set()  # ids of held keys posted again, to go first
        self._ticket = 0
        self._in_flight: int | None = None  # the ticket of the key on its way
        self._pending_screen: Screen[object] | None = None  # shown, not yet drawn
        self._hold_from: Screen[object] | None = None  # waiting for a screen after this
        self._timers: dict[str, Timer] = {}

    def start(self) -> None:
        """Follow screen changes (the app must be running)."""
        self.app.screen_change_signal.subscribe(self.app, self._screen_changed, immediate=True)

    # -- what the app asks -------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A key is on its way, a screen is being drawn, or one is awaited."""
        return (
            self._in_flight is not None
            or self._pending_screen is not None
            or self._hold_from is not None
        )

    def admit(self, event: Typed) -> bool:
        """True when ``event`` may be handed on now; otherwise it is held, in order."""
        released = id(event) in self._released
        self._released.discard(id(event))
        if self.busy or (self._held and not released):
            if released:
                self._held.appendleft(event)  # it was first in line: it stays first
            else:
                self._held.append(event)
            return False
        return True

    def handed_on(self, event: Typed, target: MessagePump) -> None:
        """``event`` went to ``target`` (or was used by a key binding of the app's, when
        it was not forwarded): wait for it to come through before the next one goes."""
        if not event.is_forwarded:
            self._drain()
            return
        self._ticket += 1
        self._in_flight = self._ticket
        target.post_message(KeyPassed(self._ticket))
        self._limit("pass", PASS_LIMIT, self._pass_timed_out)

    def passed(self, ticket: int) -> None:
        """A ``KeyPassed`` reached the app."""
        if ticket == self._in_flight:
            self._in_flight = None
            self._stop("pass")
            self._drain()

    def hold_for_screen(self) -> None:
        """Keys from now on wait for the next screen to open (background work will open
        it): a walk-in's form, a returning customer's form."""
        self._hold_from = self.app.screen
        self._limit("hold", HOLD_LIMIT, lambda: self.cancel_hold(timed_out=True))

    def cancel_hold(self, *, timed_out: bool = False) -> None:
        """The awaited screen will not open (the work failed): drop the keys typed for it."""
        if self._hold_from is None:
            return
        self._hold_from = None
        self._stop("hold")
        if self._held:
            if timed_out:
                log.warning("%d keys typed for a screen that did not open", len(self._held))
            self._held.clear()
            self._released.clear()
            self.app.bell()
        self._drain()

    # -- screens -----------------------------------------------------------------------
    def _screen_changed(self, screen: Screen[object]) -> None:
        self._pending_screen = screen
        if screen.is_mounted:
            # Back to a screen already up (a dialog answered): the answer's callback may
            # open the next dialog at once (what → who → by when…); a refresh later it
            # has, and the keys typed ahead go to that dialog, not to the screen below.
            screen.call_after_refresh(lambda: screen.call_after_refresh(self._screen_drawn, screen))
        else:
            screen.call_after_refresh(self._screen_drawn, screen)
        self._limit("screen", SCREEN_LIMIT, lambda: self._screen_drawn(screen))

    def _screen_drawn(self, screen: Screen[object]) -> None:
        if screen is not self._pending_screen:
            return  # another screen came since; its own wait is running
        self._pending_screen = None
        self._stop("screen")
        if self._hold_from is not None and screen is not self._hold_from:
            self._hold_from = None  # the awaited screen is up
            self._stop("hold")
        self._drain()

    # -- handing held keys on ----------------------------------------------------------
    def _drain(self) -> None:
        """Post the first held key again; the rest follow one by one as each passes."""
        if self.busy or not self._held:
            return
        event = self._held.popleft()
        self._released.add(id(event))
        self.app.post_message(event)

    def _pass_timed_out(self) -> None:
        # The widget that got the key went away before reading the message behind it.
        self._in_flight = None
        self._drain()

    def _limit(self, name: str, seconds: float, then: object) -> None:
        self._stop(name)
        self._timers[name] = self.app.set_timer(seconds, then)  # type: ignore[arg-type]

    def _stop(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.stop()
