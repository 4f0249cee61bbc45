"""Browser access: `deskterm serve`, a sign-in before anything, and a real headless Chromium.

The browser test reads what the page received over its websocket (the terminal output
the page draws) and keeps screenshots beside the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from deskterm.cli.main import main
from deskterm.errors import RuleViolation
from deskterm.services import auth, rotation, setup
from deskterm.services.permissions import PermissionDenied, may
from deskterm.ui.app import create_app
from deskterm.ui.screens.signin import SignInScreen
from tests.ui_helpers import settle

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_from_a_browser_nothing_is_allowed_before_a_sign_in_with_a_pin_set_at_the_shop(ctx, team):
    ctx.remote = True
    assert auth.pins_required(ctx)  # even on an open desk (the fixture's setting)
    assert not may(ctx, "rotation") and not may(ctx, "reception")
    with pytest.raises(RuleViolation, match="choose it at the shop PC"):
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
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (.ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
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
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
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
