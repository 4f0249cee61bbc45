"""The customer search's witnesses shared by the search tests (issue 20)."""

from __future__ import annotations

from deskterm.services import customers
from deskterm.storage import queries

#: Schema v17 undone: a file as v16 left it (its phones' suffixes not yet made).
UNDO_V17 = (
    "DROP TRIGGER customer_phone_suffix_insert; DROP TRIGGER customer_phone_suffix_delete;"
    "DROP TRIGGER customer_phone_suffix_before_update;"
    "DROP TRIGGER customer_phone_suffix_after_update;"
    "DROP VIEW customer_phone_suffix_text; DROP TABLE customer_phone_suffix;"
)


def search_without_indexes(ctx, text: str) -> list[int]:
    """The search's ids with every index turned off: every fragment "too common", so the
    walk reads every customer (and a fragment the indexes find nowhere is walked too, not
    answered by them), on a file as on a server. The witness of what the indexes find."""
    original, most = queries._hit_ids, queries.INDEX_HITS_MAX
    queries._hit_ids = lambda cur, route: None  # a file: no index read, the walk
    queries.INDEX_HITS_MAX = -1  # a server: every count "too many", the walk
    try:
        return [c.id for c in customers.search(ctx, text, limit=500)]
    finally:
        queries._hit_ids, queries.INDEX_HITS_MAX = original, most
