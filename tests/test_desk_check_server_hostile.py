"""Session 32's check: hostile text through the desk's writes whose statements a server
now holds and sends with client-side binding (waiting notes, a turn's note, a form's
fields): what is stored is what the same write stores on a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deskterm.errors import DesktermError
from deskterm.services import reception, rotation, waiting
from deskterm.services.reception import ReceptionForm
from deskterm.storage.models import WaitingVisitor

pytestmark = pytest.mark.both_databases

HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())
TEXTS = [t for v in HOSTILE.values() if isinstance(v, list) for t in v if isinstance(t, str)]
TEXTS += ["%s", "%(x)s", "$$", "$a$ x $a$", "\\", "it's", "a\x00b", "';--"]


def test_hostile_notes_and_names_are_stored_as_cleaned_or_refused_cleanly(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    stored, refused = [], 0
    for text in TEXTS:
        try:
            w = waiting.add_waiting(ctx, text[:200])
        except DesktermError:
            refused += 1
            continue
        stored.append((w.id, w.note))
    with ctx.db.read() as s:
        for wid, note in stored:
            assert s.get(WaitingVisitor, wid).note == note
    for text in TEXTS[:40]:
        a = rotation.walk_in(ctx)
        try:
            saved = reception.save_form(
                ctx,
                a.reception_id,
                ReceptionForm(
                    name=text[:60],
                    contact_left=False,
                    no_contact_reason="refused",
                    notes=text[:500],
                ),
            )
            assert saved.reception_id == a.reception_id
        except DesktermError:
            pass
        rotation.done(ctx, a.salesperson_id)
    assert refused < len(TEXTS)
