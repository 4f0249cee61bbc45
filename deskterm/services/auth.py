"""Signing in with a PIN, and what each role may do.

A PIN attributes actions and gates roles on a shared shop PC; it does not protect a
stolen file (ENGINEERING-NOTES). Hashes use the stdlib's scrypt at OWASP's
parameters (n=2**17, r=8, p=1), stored with their parameters so they can be raised
later; wrong PINs in a row lock the person out for a doubling time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.i18n import N_
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import PUBLIC, permission
from deskterm.services.setup import get_settings
from deskterm.storage import models, orm

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
FREE_TRIES = 3  # wrong PINs before the lock-out starts
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)


def hash_pin(pin: str, *, n: int | None = None) -> str:
    """A salted scrypt hash of ``pin``, with its parameters."""
    n = n or SCRYPT_N
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        pin.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, maxmem=256 * 2**20, dklen=32
    )
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    """True if ``pin`` hashes to ``stored`` (constant-time comparison)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            pin.encode(),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=256 * 2**20,
            dklen=len(digest) // 2,
        )
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def _check_pin(pin: str) -> str:
    pin = pin.strip()
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidInput("A PIN is 4 to 8 digits.", field="pin")
    return pin


@permission("manage")
def set_pin(ctx: Context, staff_id: int, pin: str) -> None:
    """Give someone a (new) PIN; clears any lock-out. The manager's job: anyone else
    would set another person's PIN and then sign in as them."""
    _store_pin(ctx, staff_id, pin)


def _store_pin(ctx: Context, staff_id: int, pin: str) -> None:
    """Set the PIN without a permission check: for the manager (``set_pin``) and for
    one's own first sign-in (``sign_in``, which checked there was no PIN yet)."""
    pin = _check_pin(pin)
    hashed = hash_pin(pin)  # slow on purpose: outside the write transaction
    with ctx.db.write() as s:
        person = s.get(models.Staff, staff_id)
        if person is None:
            raise NotFound("No staff member #{id}.", field="staff", id=staff_id)
        person.pin_hash, person.pin_failures, person.pin_locked_until = hashed, 0, None
        record_audit(s, ctx, "staff.pin", "staff", staff_id, None, {"pin": "set"})


@dataclass(frozen=True)
class Actor:
    """Who is signed in."""

    id: int
    name: str
    role: str


@permission(PUBLIC)
def pins_required(ctx: Context) -> bool:
    """True unless the shop chose an open desk (setting ``auth.mode=open``); always from
    a browser."""
    return ctx.remote or get_settings(ctx).get("auth.mode", "pin") != "open"


@permission(PUBLIC)
def anyone_has_pin(ctx: Context) -> bool:
    """Whether at least one active staff member has a PIN (browser access needs one)."""
    with ctx.db.read() as s:
        return (
            s.exec(
                orm.select(models.Staff.id).where(
                    models.Staff.active, orm.col(models.Staff.pin_hash).is_not(None)
                )
            ).first()
            is not None
        )


@permission(PUBLIC)
def has_pin(ctx: Context, staff_id: int) -> bool:
    """Whether this person has chosen a PIN yet."""
    with ctx.db.read() as s:
        person = s.get(models.Staff, staff_id)
        return person is not None and person.pin_hash is not None


#: What a person without a PIN is told in a browser, on the sign-in screen and when they
#: type a PIN anyway: there a PIN is only ever set at the shop PC.
NO_PIN_FROM_A_BROWSER = N_("No PIN yet: ask the manager to set one at the shop PC.")
MANAGER_PIN_AT_THE_PC = N_(
    "A sales manager's first PIN is set at the shop PC: deskterm staff pin {name}."
)


def real_now() -> datetime:
    """The lock-out's clock: the real one, never the shop's settable clock
    (DESKTERM_NOW, a demo's fixed day), which would stop or rewind the wait."""
    return datetime.now(UTC)


def _refuse_if_locked(locked: datetime | None, now: datetime) -> None:
    if locked is not None and locked > now:
        wait = int((locked - now).total_seconds()) + 1
        raise RuleViolation("Too many wrong PINs: try again in {n} s.", field="pin", n=wait)


@permission(PUBLIC)
def sign_in(ctx: Context, staff_id: int, pin: str) -> Actor:
    """Check the PIN; on success the context acts as this person from now on.

    At the shop PC someone without a PIN yet chooses it here (the first sign-in); from
    a browser they are refused (``NO_PIN_FROM_A_BROWSER``). After
    ``FREE_TRIES`` wrong PINs in a row, each further try waits longer (30 s, 60 s, …
    up to 15 minutes).
    """
    with ctx.db.read() as s:
        person = s.get(models.Staff, staff_id)
        if person is None or not person.active:
            raise NotFound("No staff member #{id}.", field="staff", id=staff_id)
        stored, locked = person.pin_hash, person.pin_locked_until
        role, name = person.role, person.name
    _refuse_if_locked(locked, real_now())
    if stored is None and ctx.remote:
        # Whoever reached the page first would otherwise choose this person's PIN.
        raise RuleViolation(NO_PIN_FROM_A_BROWSER, field="pin")
    if stored is None and role == "manager" and anyone_has_pin(ctx):
        # Once the desk is in use, whoever picked the manager's name first would choose
        # the manager's PIN and with it every right (found by a tester: a receptionist
        # did). Only the very first PIN of a new shop may be a manager's, at the desk.
        raise RuleViolation(MANAGER_PIN_AT_THE_PC, field="pin", name=name)
    if stored is None:
        _store_pin(ctx, staff_id, pin)
    right = stored is None or pin_matches(pin.strip(), stored)  # slow: outside the lock
    # The lock-out check and the count in ONE write transaction (holding the row): of
    # guesses made in parallel, each sees the count the earlier ones left, so no more
    # than FREE_TRIES get past the lock-out.
    with ctx.db.write() as s:
        person = s.exec(
            orm.select(models.Staff).where(models.Staff.id == staff_id).with_for_update()
        ).one()
        now = real_now()
        _refuse_if_locked(person.pin_locked_until, now)
        if not right:
            person.pin_failures += 1
            over = person.pin_failures - FREE_TRIES
            if over >= 0:
                person.pin_locked_until = now + min(FIRST_LOCK * 2**over, LONGEST_LOCK)
            record_audit(
                s,
                ctx,
                "staff.pin_failed",
                "staff",
                staff_id,
                None,
                {"failures": person.pin_failures},
            )
        else:
            person.pin_failures, person.pin_locked_until = 0, None
        actor = Actor(staff_id, person.name, person.role)
    if not right:
        raise InvalidInput("Wrong PIN.", field="pin")
    ctx.actor_id, ctx.role = actor.id, actor.role
    with ctx.db.write() as s:
        record_audit(s, ctx, "staff.sign_in", "staff", staff_id)
    return actor


@permission(PUBLIC)
def sign_out(ctx: Context) -> None:
    """Nobody is signed in any more."""
    ctx.actor_id, ctx.role = None, None
