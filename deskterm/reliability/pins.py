"""PIN guesses in parallel: separate processes guess one person's PIN at the same instant.

The lock-out allows ``auth.FREE_TRIES`` wrong PINs in a row, then makes the next try
wait. Counted: wrong PINs that got an answer beyond that (the check and the count were
not one transaction), and the right PIN accepted after the lock-out.
"""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from deskterm.errors import DesktermError, InvalidInput, RuleViolation
from deskterm.reliability.crash import Outcome
from deskterm.reliability.setup import fresh_shop, shop_clock
from deskterm.services import auth, setup
from deskterm.services.maintenance import open_context
from deskterm.storage.models import Staff

GUESSERS = 6  # processes guessing at once
GUESSES = 3  # wrong PINs each process tries per round
PIN = "2468"
#: scrypt's cost for the trial's PINs: lower than the shop's so that guesses race
#: harder; the lock-out does not depend on it.
TRIAL_N = 2**14


def _guesser(path: str, index: int, staff: list[int], barrier, results) -> None:  # type: ignore[no-untyped-def]
    """One process: for each person, wait for the others, then guess."""
    ctx = open_context(Path(path), shop_clock(), start_of_day=False)
    answers: list[tuple[int, str]] = []
    try:
        for person in staff:
            barrier.wait(timeout=120)
            for g in range(GUESSES):
                pin = f"{1000 + index * 100 + g:04d}"  # never the right one
                try:
                    auth.sign_in(ctx, person, pin)
                    answers.append((person, "in"))
                except InvalidInput:
                    answers.append((person, "wrong"))  # got past the lock-out check
                except RuleViolation:
                    answers.append((person, "locked"))
            barrier.wait(timeout=120)
            if index == 0:  # the right PIN, once locked out, must wait too
                try:
                    auth.sign_in(ctx, person, PIN)
                    answers.append((person, "right-in"))
                except RuleViolation:
                    answers.append((person, "right-locked"))
        results.put((index, answers, None))
    except (DesktermError, Exception) as exc:  # counted by the parent
        results.put((index, answers, repr(exc)))
    finally:
        ctx.db.close()


def pin_trial(folder: Path, rounds: int) -> Outcome:
    """``rounds`` people, each guessed at by ``GUESSERS`` processes at once."""
    out = Outcome()
    path = fresh_shop(folder / "pins.db", salespeople=rounds)
    ctx = open_context(path, shop_clock())
    try:
        staff = [p.id for p in setup.list_staff(ctx, "salesperson")]
        with ctx.db.write() as s:
            for sid in staff:
                row = s.get(Staff, sid)
                assert row is not None
                row.pin_hash = auth.hash_pin(PIN, n=TRIAL_N)
    finally:
        ctx.db.close()
    m = mp.get_context("spawn")
    barrier, results = m.Barrier(GUESSERS), m.Queue()
    procs = [
        m.Process(target=_guesser, args=(str(path), i, staff, barrier, results))
        for i in range(GUESSERS)
    ]
    for p in procs:
        p.start()
    reports = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    answers = [a for _i, got, _e in reports for a in got]
    for _i, _got, err in reports:
        if err:
            out.failed_checks += 1
            out.notes.append(err)
    allowed = auth.FREE_TRIES
    for person in staff:
        mine = [a for p, a in answers if p == person]
        wrong = mine.count("wrong") + mine.count("in")
        late_right = mine.count("right-in") if wrong >= allowed else 0
        past = max(0, wrong - allowed) + mine.count("in") + late_right
        out.rounds += 1
        out.operations += len(mine)
        if past:
            out.lost += past
            out.notes.append(f"{past} guesses past the lock-out for staff #{person}")
    out.notes.append(
        f"{GUESSERS} processes × {GUESSES} wrong PINs at once per person, then the right "
        f"PIN: {sum(a == 'wrong' for _p, a in answers)} answered 'wrong PIN' "
        f"(at most {allowed} per person), "
        f"{sum(a in ('locked', 'right-locked') for _p, a in answers)} made to wait"
    )
    return out
