"""Copy the screens' pictures for the documentation from the snapshot tests' SVGs.

    python tools/docs_pictures.py          # refresh docs/pictures/
    python tools/docs_pictures.py --check  # exit 1 if a picture is missing or out of date

The snapshots (tests/__snapshots__/, pytest-textual-snapshot) are the screens as they are
today, taken on the demo showroom with a fixed clock; the pictures are byte-for-byte copies
of some of them, so a screen change that updates its snapshot makes
tests/test_docs_pictures.py fail until this is run again. Needs nothing but Python.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "__snapshots__" / "test_snapshots"
PICTURES = ROOT / "docs" / "pictures"

#: picture name in docs/pictures -> the snapshot it is copied from.
SOURCES: dict[str, str] = {
    "reception.svg": "test_screen_snapshot[reception-en-160x45].svg",
    "reception-100x30.svg": "test_screen_snapshot[reception-en-100x30].svg",
    "form.svg": "test_screen_snapshot[form-en-160x45].svg",
    "form-zh.svg": "test_screen_snapshot[form-zh-160x45].svg",
    "callbacks.svg": "test_screen_snapshot[callbacks-en-160x45].svg",
    "meeting.svg": "test_screen_snapshot[meeting-en-160x45].svg",
    "marketing.svg": "test_screen_snapshot[marketing-en-160x45].svg",
    "care.svg": "test_screen_snapshot[care-en-160x45].svg",
    "manager-stale.svg": "test_manager_tab_snapshot[stale-en].svg",
    "manager-lost.svg": "test_manager_tab_snapshot[lost-en].svg",
    "manager-leads.svg": "test_manager_tab_snapshot[leads-en].svg",
    "manager-reasons.svg": "test_manager_tab_snapshot[reasons-en].svg",
    "manager-coaching.svg": "test_manager_tab_snapshot[coaching-en].svg",
    "manager-targets.svg": "test_manager_tab_snapshot[targets-en].svg",
    "manager-media.svg": "test_manager_tab_snapshot[media-en].svg",
    "manager-trends.svg": "test_manager_tab_snapshot[trends-en].svg",
}


def stale() -> list[str]:
    """The pictures that are missing or differ from their snapshot."""
    return [
        name
        for name, source in SOURCES.items()
        if not (PICTURES / name).is_file()
        or (PICTURES / name).read_bytes() != (SNAPSHOTS / source).read_bytes()
    ]


def refresh() -> list[str]:
    """Copy every snapshot whose picture is out of date; the names copied."""
    PICTURES.mkdir(parents=True, exist_ok=True)
    copied = stale()
    for name in copied:
        (PICTURES / name).write_bytes((SNAPSHOTS / SOURCES[name]).read_bytes())
    return copied


def main(argv: list[str]) -> int:
    if "--check" in argv:
        out_of_date = stale()
        for name in out_of_date:
            print(f"docs/pictures/{name} is out of date: run python tools/docs_pictures.py")
        return 1 if out_of_date else 0
    for name in refresh():
        print(f"docs/pictures/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
