"""`deskterm serve`: textual-serve's web server, with a cap on the desks it runs at once.

Every browser tab that opens the page starts a whole deskterm process, signed in or
not. A few tabs left open (or a stranger on the shop network reloading the page) must
not start processes without end: past ``max_sessions`` live desks the page and the
websocket say "too many desks open" instead, and a desk nobody signs in to ends by itself
(``deskterm.ui.app.REMOTE_SIGN_IN_SECONDS``), so an abandoned tab frees its place.

The page is deskterm's own (``templates/app_index.html``): textual-serve's loads a
stylesheet from a public font host before the desk's script, so on an offline or filtered
shop network the desk started late or never. Ours asks for nothing outside this server:
the script and Roboto Mono come from textual-serve's own static files, by relative
addresses.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.server import Server, to_int

from deskterm.i18n import _, get_language

#: deskterm's page for the browser (replaces textual-serve's ``app_index.html``).
TEMPLATES = Path(__file__).parent / "templates"

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
        kw.setdefault("templates_path", TEMPLATES)
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
        # Relative addresses only (see templates/app_index.html): textual-serve's context
        # names the address the server listens on, which a browser on another PC may
        # not reach under that name (0.0.0.0).
        context = {
            "lang": "zh-Hans" if get_language() == "zh" else "en",
            "title": self.title,
            "static": "static/",
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "start": _("Start"),
            "ended": _("The desk has closed."),
            "restart": _("Open it again"),
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

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
