"""`deskterm serve`: textual-serve's web server, with a cap on the desks it runs at once.

Every browser tab that opens the page starts a whole deskterm process, signed in or
not. A few tabs left open (or a stranger on the shop network reloading the page) must
not start processes without end: past ``max_sessions`` live desks the page and the
websocket say "too many desks open" instead, and a desk nobody signs in to ends by itself
(``deskterm.ui.app.REMOTE_SIGN_IN_SECONDS``), so an abandoned tab frees its place.
"""

from __future__ import annotations

import html
from typing import Any

from aiohttp import WSCloseCode, web
from textual_serve.server import Server

from deskterm.i18n import _

#: Desks open in browsers at once, unless `deskterm serve --max-sessions` says otherwise.
DEFAULT_MAX_SESSIONS = 6


def too_many_text(limit: int) -> str:
    """What a browser past the cap is told (translated)."""
    return _(
        "Too many desks are open in browsers ({limit}): close one, or wait until a desk "
        "nobody signed in to ends, then reload this page.",
        limit=limit,
    )


class DeskServer(Server):
    """A textual-serve Server that runs at most ``max_sessions`` desks at once."""

    def __init__(self, command: str, *, max_sessions: int = DEFAULT_MAX_SESSIONS, **kw: Any):
        super().__init__(command, **kw)
        self.max_sessions = max_sessions
        self.live = 0  # websockets with a desk process behind them

    @property
    def full(self) -> bool:
        """No place for another desk."""
        return self.live >= self.max_sessions

    async def handle_index(self, request: web.Request) -> Any:
        """The page, or a plain "too many desks open" page when every place is taken."""
        if self.full:
            text = html.escape(too_many_text(self.max_sessions))
            return web.Response(
                status=503,
                text=f"<!doctype html><meta charset='utf-8'><title>deskterm</title><p>{text}</p>",
                content_type="text/html",
            )
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A desk for this browser, if there is a place; else the message, and close.

        The check and the count happen with no await between them (one event loop), so
        browsers connecting at the same moment cannot both take the last place.
        """
        if self.full:
            websocket = web.WebSocketResponse()
            await websocket.prepare(request)
            # The page writes binary frames into its terminal: the person reads why.
            await websocket.send_bytes(f"\r\n  {too_many_text(self.max_sessions)}\r\n".encode())
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too many desks open")
            return websocket
        self.live += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self.live -= 1
