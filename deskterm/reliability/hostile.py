"""Hostile input, typed into every form field and CLI argument: never a crash, never an
invalid value stored. Deterministic (a seeded generator) so a failure can be replayed."""

from __future__ import annotations

import contextlib
import io
import os
import random
from collections.abc import Iterator
from pathlib import Path

from sqlmodel import select

from deskterm.domain.text import parse_day
from deskterm.errors import DesktermError
from deskterm.reliability.crash import Outcome
from deskterm.reliability.setup import fresh_shop, shop_clock
from deskterm.services import customers, marketing, reception, rotation, setup
from deskterm.services.maintenance import check, open_context
from deskterm.services.reception import BUDGETS, CHANNELS, ReceptionForm
from deskterm.storage.models import Customer

#: The nasty inputs a shop really sees, and a few it should never see.
SAMPLES = (
    "😀🚗💨",
    "👨‍👩‍👧 家人",
    "مرحبا بالعالم",
    "\u202eevil\u202c",
    "שלום",
    "x" * 10240,
    "\x00\x07\x1b[31mred",
    "line1\nline2\r\n",
    "\t",
    "'; DROP TABLE customer; --",
    '" OR 1=1 --',
    "%_%",
    "Robert'); --",
    "2026-02-29",
    "2024-02-29",
    "2026-13-45",
    "2026-02-30",
    "0000-00-00",
    "+86 139-0013-8000",
    "(0)139 0013 8000",
    "0086 13900138000",
    "１３９００１３８０００",
    "139 0013 8000 ext 5",
    "+1 (415) 555-0100",
    "",
    "   ",
    "NULL",
    "None",
    "-1",
    "1e309",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\ufeffBOM",
    "e\u0301",
    "王" * 60,
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "--db",
    "-h",
)


def hostile_text(rng: random.Random) -> str:
    """One hostile string: a sample, random code points, or a mix of both."""
    pick = rng.random()
    if pick < 0.5:
        return rng.choice(SAMPLES)
    if pick < 0.8:
        return "".join(
            chr(
                rng.choice(
                    [
                        rng.randint(0, 0x2FF),
                        rng.randint(0x590, 0x6FF),
                        rng.randint(0x4E00, 0x9FFF),
                        rng.randint(0x1F300, 0x1FAFF),
                        rng.randint(0x200B, 0x206F),
                    ]
                )
            )
            for _ in range(rng.randint(0, 60))
        )
    return rng.choice(SAMPLES) + rng.choice(SAMPLES)[:50]


def hostile_form(rng: random.Random) -> ReceptionForm:
    """A reception form with hostile text in every free-text field and odd choices."""

    def maybe(options: list[str]) -> str | None:
        return rng.choice([*options, None, hostile_text(rng)])

    # A WeChat ID or e-mail must look like one (issue 19): hostile text as an address's
    # local part is the shape that gets through to storage and the screens.
    other = hostile_text(rng)
    local = "".join(ch for ch in other if not ch.isspace() and ch != "@")[:40] or "x"
    return ReceptionForm(
        name=hostile_text(rng),
        phone=hostile_text(rng),
        contact_left=rng.random() < 0.8,
        contact_other=rng.choice(["", other, f"{local}@example.com"]),
        no_contact_reason=maybe(["refused", "other"]),
        no_contact_note=hostile_text(rng),
        channel=maybe(list(CHANNELS)),
        model_interest=hostile_text(rng),
        budget=maybe(list(BUDGETS)),
        purchase_horizon=maybe(["1w", "1m", "3m", "6m", "unknown"]),
        companions=[
            (rng.choice(["spouse", "friend", hostile_text(rng)]), hostile_text(rng))
            for _ in range(rng.randint(0, 2))
        ],
        test_drive=rng.random() < 0.3,
        level=maybe(["hot", "warm", "cold"]),
        notes=hostile_text(rng),
        party_size=rng.choice(["", "", "3", hostile_text(rng)]),
        decider=maybe(["self", "spouse", "company"]),
        interest=maybe(["new", "used", "both"]),
    )


def _stored_values_are_clean(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    bad = []
    with ctx.db.read() as s:
        for c in s.exec(select(Customer)).all():
            for name, value, limit in (("name", c.name, 40), ("model", c.model_interest, 60)):
                if value is None:
                    continue
                if len(value) > limit or any(ord(ch) < 32 for ch in value):
                    bad.append(f"customer {c.id} {name} stored unclean")
    return bad


@contextlib.contextmanager
def _shop_time() -> Iterator[None]:
    # The CLI must run on the trial's day, or its start of day closes that day.
    before = os.environ.get("DESKTERM_NOW")
    os.environ["DESKTERM_NOW"] = shop_clock().now().isoformat()
    try:
        yield
    finally:
        if before is None:
            del os.environ["DESKTERM_NOW"]
        else:
            os.environ["DESKTERM_NOW"] = before


def hostile_trial(folder: Path, rounds: int, seed: int = 3) -> Outcome:
    """Save ``rounds`` hostile forms, searches, leads, dates and CLI calls."""
    from deskterm.cli.main import main

    rng = random.Random(seed)
    out = Outcome()
    path = fresh_shop(folder / "hostile.db")
    ctx = open_context(path, shop_clock())
    try:
        # Refused forms would otherwise hold everybody out of the rotation.
        setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
        for p in setup.list_staff(ctx, "salesperson"):
            rotation.check_in(ctx, p.id)
        saved = 0
        for i in range(rounds):
            out.rounds += 1
            a = rotation.walk_in(ctx)
            try:
                reception.save_form(ctx, a.reception_id, hostile_form(rng))
                saved += 1
            except DesktermError:
                pass  # refused with a message at the field: the expected answer
            finally:
                for m in rotation.get_board(ctx).members:
                    if m.state == "with_customer":
                        rotation.done(ctx, m.salesperson_id)
            for probe in (
                lambda: customers.search(ctx, hostile_text(rng)),
                lambda: parse_day(hostile_text(rng)),
                lambda: marketing.register_lead(
                    ctx, hostile_text(rng), hostile_text(rng), "online", hostile_text(rng)
                ),
            ):
                with contextlib.suppress(DesktermError):  # a refusal is the right answer
                    probe()
            out.operations += 4
            if i % 10 == 0:  # the CLI, in-process: every answer is an exit code
                args = rng.choice(
                    [
                        ["staff", "add", hostile_text(rng)],
                        ["report", "--date", hostile_text(rng)],
                        ["report", "--from", hostile_text(rng)],
                        ["settings", "set", "backup.keep", hostile_text(rng)],
                        ["levels", "preset", hostile_text(rng)],
                        [hostile_text(rng)],
                    ]
                )
                with (
                    contextlib.redirect_stdout(io.StringIO()),
                    contextlib.redirect_stderr(io.StringIO()),
                    _shop_time(),
                ):
                    try:
                        code = main(["--db", str(path), *args])
                    except SystemExit as exc:  # argparse's own --help / -h
                        code = exc.code if isinstance(exc.code, int) else 2
                if code not in (0, 1, 2):
                    out.failed_checks += 1
                    out.notes.append(f"CLI {args!r} exited {code}")
                out.operations += 1
        out.notes.append(
            f"{saved} of {rounds} hostile forms were saved (cleaned), the rest refused at a field"
        )
        problems = [p.detail for p in check(ctx)] + _stored_values_are_clean(ctx)
        if problems:
            out.failed_checks += 1
            out.notes.extend(problems[:5])
    finally:
        ctx.db.close()
    return out
