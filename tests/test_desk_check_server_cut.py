"""Session 32's check: a server connection cut while a write's statements are held (the
COMMIT message carries them): nothing saved, a clear error, the next action works."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from deskterm.errors import StorageError
from deskterm.services import reception, rotation
from deskterm.services.reception import ReceptionForm
from deskterm.storage.models import Customer, Reception

pytestmark = pytest.mark.postgresql_only


def test_a_connection_cut_before_the_commit_message_saves_nothing(ctx, team, database):
    for sid in (team.wang, team.li):
        rotation.check_in(ctx, sid)
    a = rotation.walk_in(ctx)
    cut = {"on": True}

    def hang_up(session: Session) -> None:
        if not cut["on"]:
            return
        cut["on"] = False
        pid = session.connection().connection.driver_connection.info.backend_pid
        with psycopg.connect(database, autocommit=True) as con:
            con.execute("SELECT pg_terminate_backend(%s)", (pid,))

    event.listen(Session, "before_commit", hang_up)
    try:
        with pytest.raises(StorageError) as err:
            reception.save_form(
                ctx,
                a.reception_id,
                ReceptionForm(name="Cut", phone="13800138009", purchase_horizon="1m"),
            )
    finally:
        event.remove(Session, "before_commit", hang_up)
    assert "Traceback" not in str(err.value)
    with ctx.db.read() as s:
        assert s.exec(select(Customer)).all() == []
        assert s.get(Reception, a.reception_id).form_saved_at is None
    saved = reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Cut", phone="13800138009", purchase_horizon="1m")
    )
    assert saved.customer_id is not None
