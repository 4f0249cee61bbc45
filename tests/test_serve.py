"""Browser access: `deskterm serve`, a sign-in before anything, and a real headless Chromium.

The browser test reads what the page received over its websocket (the terminal output
the page draws) and keeps screenshots beside the test's temporary folder.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from textual.widgets import Label, OptionList, Static

from deskterm.cli.main import main
from deskterm.errors import RuleViolation
from deskterm.i18n import set_language
from deskterm.services import auth, rotation, setup
from deskterm.services.permissions import PermissionDenied, may
from deskterm.ui.app import create_app
from deskterm.ui.screens.signin import SignInScreen
from tests.ui_helpers import settle, wait_for

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _need_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (.ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")


def test_from_a_browser_nothing_is_allowed_before_a_sign_in_with_a_pin_set_at_the_shop(ctx, team):
    ctx.remote = True
    assert auth.pins_required(ctx)  # even on an open desk (the fixture's setting)
    assert not may(ctx, "rotation") and not may(ctx, "reception")
    with pytest.raises(RuleViolation, match="ask the manager to set one at the shop PC"):
        auth.sign_in(ctx, team.wang, "2468")
    assert not auth.has_pin(ctx, team.wang)  # nobody chose Wang's PIN from the web
    with pytest.raises(PermissionDenied):
        auth.set_pin(ctx, team.wang, "2468")  # not from the web, even as the system
    ctx.remote = False
    auth.set_pin(ctx, team.wang, "2468")  # at the shop PC (the command line)
    ctx.remote = True
    auth.sign_in(ctx, team.wang, "2468")
    assert may(ctx, "rotation") and not may(ctx, "manage")
    rotation.check_in(ctx, team.wang)


async def test_the_browser_app_opens_on_the_sign_in_even_on_an_open_desk(ctx):
    # No salesperson yet: at the shop PC this opens the first-run set-up; from a browser
    # it must not (anyone could add staff), so it asks who is signing in.
    boss = setup.add_staff(ctx, "Boss", "manager").id
    auth.set_pin(ctx, boss, "2468")
    ctx.remote = True
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "remote" in app.screen.classes


async def test_in_a_browser_the_sign_in_says_a_pin_is_set_at_the_shop_pc_and_does_so(ctx):
    # It used to say "the PIN you type now becomes yours", then refuse that very PIN.
    boss = setup.add_staff(ctx, "Boss", "manager").id
    auth.set_pin(ctx, boss, "2468")
    wang = setup.add_staff(ctx, "王伟", "salesperson").id
    ctx.remote = True
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SignInScreen)
        people = screen.query_one("#people", OptionList)
        people.highlighted = next(
            i for i in range(people.option_count) if people.get_option_at_index(i).id == str(wang)
        )
        await pilot.press("enter")
        hint = screen.query_one("#pin-hint", Label)
        await wait_for(pilot, lambda: "ask the manager" in str(hint.render()))
        told = str(hint.render())
        assert "No PIN yet: ask the manager to set one at the shop PC" in told
        assert "becomes your PIN" not in told
        # Typing a PIN anyway is refused in the same words, and chooses nothing.
        await pilot.press(*"1357", "enter")
        error = screen.query_one("#err-pin", Static)
        await wait_for(pilot, lambda: "ask the manager" in str(error.render()))
        assert str(error.render()).endswith(told)  # after the error mark
        assert app.actor is None and isinstance(app.screen, SignInScreen)
    assert not auth.has_pin(ctx, wang)


def test_serve_refuses_what_it_cannot_serve_safely(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    assert main(["serve", "--db", db]) == 1
    assert "nobody has a PIN yet" in capsys.readouterr().err
    assert main(["serve", "--demo"]) == 2
    assert "The demo has no PINs" in capsys.readouterr().err
    assert main(["serve", "--db", db, "--port", "70000"]) == 2
    assert main(["serve", "--db", str(tmp_path / "none.db")]) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path):
    """`deskterm serve` on a shop file with one receptionist who has a PIN."""
    from deskterm.clock import Clock
    from deskterm.services.maintenance import open_context

    db = tmp_path / "shop.db"
    ctx = open_context(db, Clock())
    who = setup.add_staff(ctx, "前台小李", "receptionist").id
    auth.set_pin(ctx, who, "2468")
    ctx.db.close()
    port = _free_port()
    env = {**os.environ, "DESKTERM_LANG": "en"}
    server = subprocess.Popen(
        [sys.executable, "-m", "deskterm", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("localhost", port), 0.2).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"deskterm serve did not start: {server.communicate()[0]}")
            time.sleep(0.1)
    yield f"http://localhost:{port}/"
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


def test_headless_chromium_signs_in_and_sees_the_reception_screen(served, tmp_path):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    received: list[str] = []

    def seen(text: str, since: int = 0, times: int = 1) -> bool:
        return "".join(received[since:]).count(text) >= times

    def wait(page, text: str, since: int = 0, timeout: float = 30, times: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while not seen(text, since, times):
            if time.monotonic() > deadline:
                page.screenshot(path=str(tmp_path / "timeout.png"))
                tail = "".join(received[since:])[-600:]
                raise AssertionError(f"{text!r} never reached the browser; last: {tail!r}")
            page.wait_for_timeout(100)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "framereceived",
                    lambda data: received.append(
                        data if isinstance(data, str) else data.decode("utf-8", "replace")
                    ),
                ),
            )
            page.goto(served)
            wait(page, "Sign in: choose your name")
            # Before signing in, the desk is not on the page.
            assert not seen("Today's arrivals")
            page.screenshot(path=str(tmp_path / "sign-in.png"))
            page.mouse.click(700, 420)  # the terminal takes the keyboard once clicked
            page.wait_for_timeout(300)
            page.keyboard.press("Enter")  # the only person on the list
            page.wait_for_timeout(300)
            # Then the PIN field, by a click: typing before the focus has moved there (a
            # worker moves it, late on a loaded machine) would lose the first digits.
            page.mouse.click(700, 494)
            page.wait_for_timeout(300)
            mark = len(received)
            page.keyboard.type("2468", delay=50)
            wait(page, "••••", mark)  # all four digits in the field (masked)
            page.keyboard.press("Enter")
            wait(page, "Today's arrivals")
            wait(page, "Nobody is checked in")
            page.screenshot(path=str(tmp_path / "reception.png"))
        finally:
            browser.close()
    assert (tmp_path / "reception.png").stat().st_size > 10_000


# -- a cap on the desks a server runs, and a desk nobody signs in to ends ------------------

# Stands in for a desk process: textual-serve stops one by sending it a "quit" meta
# packet on its standard input, and waits for it to end.
FAKE_DESK = (
    f'{sys.executable} -c "import sys\n'
    "for chunk in iter(lambda: sys.stdin.buffer.read1(4096), b''):\n"
    "    if b'quit' in chunk: break\""
)


async def test_the_server_runs_at_most_max_sessions_desks_and_says_why_to_the_next(tmp_path):
    import asyncio

    from aiohttp import WSMsgType
    from aiohttp.test_utils import TestClient, TestServer

    from deskterm.cli.serve import DeskServer

    server = DeskServer(FAKE_DESK, max_sessions=2, host="localhost", port=1)
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    try:

        async def until(predicate) -> None:
            for _ in range(400):  # a bounded wait for the server's own tasks, not a sleep
                if predicate():
                    return
                await asyncio.sleep(0.025)
            raise AssertionError("the server never got there")

        page = await client.get("/")
        assert page.status == 200 and "textual-terminal" in await page.text()
        first = await client.ws_connect("/ws")
        second = await client.ws_connect("/ws")
        await until(lambda: server.live == 2)
        # The third browser gets no desk process: the page, and a websocket opened anyway,
        # both say so in words.
        page = await client.get("/")
        assert page.status == 503
        assert "Too many desks are open in browsers (2)" in await page.text()
        third = await client.ws_connect("/ws")
        message = await third.receive()
        assert message.type == WSMsgType.BINARY
        assert b"Too many desks are open in browsers (2)" in message.data
        assert (await third.receive()).type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
        assert server.live == 2
        # A tab closed frees its place for the next browser.
        await first.close()
        await until(lambda: server.live == 1)
        assert (await client.get("/")).status == 200
        fourth = await client.ws_connect("/ws")
        await until(lambda: server.live == 2)
        await second.close()
        await fourth.close()
        await until(lambda: server.live == 0)
    finally:
        await client.close()
        # textual-serve drops its finished processes without closing their pipes: collect
        # them while this test's event loop still runs, not in a later test.
        gc.collect()


def test_serve_refuses_a_cap_that_is_no_cap(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    assert main(["serve", "--db", db, "--max-sessions", "0"]) == 2
    assert "--max-sessions must be between 1 and 100" in capsys.readouterr().err


async def test_a_browser_desk_nobody_signs_in_to_ends_by_itself(ctx, monkeypatch):
    from deskterm.ui import app as app_module

    boss = setup.add_staff(ctx, "Boss", "manager").id
    auth.set_pin(ctx, boss, "2468")
    monkeypatch.setattr(app_module, "REMOTE_SIGN_IN_SECONDS", 0.3)
    ctx.remote = True
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        await wait_for(pilot, lambda: app.return_code is not None)
    assert app.return_code == 0


async def test_a_browser_desk_someone_signed_in_to_stays_open(ctx, monkeypatch):
    from deskterm.ui import app as app_module

    boss = setup.add_staff(ctx, "Boss", "manager").id
    auth.set_pin(ctx, boss, "2468")
    ctx.remote = True
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app._sign_in_timer is not None  # the clock runs on the sign-in
        await pilot.press("enter")  # the only person on the list
        await pilot.press(*"2468", "enter")
        await wait_for(pilot, lambda: app.actor is not None)
        assert app._sign_in_timer is None  # signed in: nothing will end this desk
        app._nobody_signed_in()  # even a time-out already on its way does not
        await pilot.pause()
        assert app.return_code is None and app.actor is not None
        # Signing out starts the clock again: nobody signs in, the desk ends.
        monkeypatch.setattr(app_module, "REMOTE_SIGN_IN_SECONDS", 0.3)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: app.return_code is not None)


# -- the page asks for nothing outside the shop PC -------------------------------------------

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


class _Addresses(HTMLParser):
    """Every address a page would make a browser fetch: src/href, CSS url() and @import."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value:
                self.urls.append(value)
            elif name == "style" and value:
                self.urls += _css_addresses(value)
        self._style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            self.urls += _css_addresses(data)


def _css_addresses(css: str) -> list[str]:
    found = re.findall(r"""url\(\s*['"]?([^'")\s]+)""", css)
    found += re.findall(r"""@import\s+['"]([^'"]+)""", css)
    return found


def _outside(url: str, server: str) -> bool:
    """Whether fetching ``url`` from the page at ``server`` would leave that server."""
    full = urljoin(server, url)
    parts = urlsplit(full)
    if parts.scheme in ("data", "blob"):
        return False
    return parts.scheme not in ("http", "https") or parts.netloc != urlsplit(server).netloc


async def test_the_page_references_nothing_outside_the_server_and_all_it_needs_is_there():
    from aiohttp.test_utils import TestClient, TestServer

    from deskterm.cli.serve import DeskServer

    # Listening on every address, as on a shop network: the page must still name no host.
    server = DeskServer(FAKE_DESK, host="0.0.0.0", port=1)
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    try:
        response = await client.get("/?fontsize=18")
        assert response.status == 200
        page = await response.text()
        base = str(client.make_url("/"))
        parser = _Addresses()
        parser.feed(page)
        # What the browser loads before the desk starts: script, stylesheet, font.
        wanted = {urlsplit(u).path.rsplit("/", 1)[-1] for u in parser.urls}
        assert {"textual.js", "xterm.css", "RobotoMono-VariableFont_wght.ttf"} <= wanted
        assert not [u for u in parser.urls if _outside(u, base)], parser.urls
        assert "://" not in page and "0.0.0.0" not in page  # no address written out at all
        assert 'data-font-size="18"' in page
        for url in set(parser.urls):  # each one is served, and a stylesheet asks for no more
            got = await client.get(urlsplit(urljoin(base, url)).path)
            assert got.status == 200, url
            if url.endswith(".css"):
                css = await got.text()
                assert not [u for u in _css_addresses(css) if _outside(u, urljoin(base, url))]
        # The page's own few words are in the shop's language (conftest resets it).
        set_language("zh")
        page = await (await client.get("/")).text()
        assert 'lang="zh-Hans"' in page and "重新打开" in page
    finally:
        await client.close()


def test_the_old_page_would_fail_the_check():
    """The check above finds what textual-serve's own page asks for (a public font host)."""
    import textual_serve

    old = Path(textual_serve.__file__).parent / "templates" / "app_index.html"
    parser = _Addresses()
    parser.feed(old.read_text(encoding="utf-8"))
    assert [u for u in parser.urls if _outside(u, "http://localhost:8000/")] == [
        "https://fonts.googleapis.com/css?family=Roboto%20Mono"
    ]


def test_with_no_network_beyond_this_pc_a_browser_reaches_the_sign_in_within_5_s(served):
    """A shop network offline or filtered: every request for another host hangs, as on a
    network that drops them (the worst case: a refused one at least fails at once)."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    received: list[str] = []

    def route(route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)  # and never answered

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/*", route)
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "framereceived",
                    lambda data: received.append(
                        data if isinstance(data, str) else data.decode("utf-8", "replace")
                    ),
                ),
            )
            started = time.monotonic()
            page.goto(served, wait_until="commit")
            while "Sign in: choose your name" not in "".join(received):
                if time.monotonic() - started > 5:
                    # (No screenshot: it would wait for the fonts that never come.)
                    raise AssertionError(
                        f"no sign-in after 5 s; asked outside: {outside}; "
                        f"last: {''.join(received)[-300:]!r}"
                    )
                page.wait_for_timeout(50)
            # The page drew the desk in the font the server sent, not a fallback.
            assert page.evaluate(
                "[...document.fonts].some(f => f.family.replaceAll('\"', '') === 'Roboto Mono'"
                " && f.status === 'loaded')"
            )
        finally:
            browser.close()
    assert outside == []
