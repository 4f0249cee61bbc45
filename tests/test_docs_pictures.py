"""The documentation's pictures exist and are the current snapshots (never stale silently)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("docs_pictures", ROOT / "tools" / "docs_pictures.py")
assert _spec is not None and _spec.loader is not None
docs_pictures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs_pictures)

#: Markdown images and links to an .svg, relative to the page.
_SVG_LINK = re.compile(r"\]\(([^)\s]+\.svg)\)")


def _pictures_of(page: Path) -> set[Path]:
    return {(page.parent / link).resolve() for link in _SVG_LINK.findall(page.read_text())}


def test_the_method_page_is_linked_from_the_readme():
    assert (ROOT / "docs" / "method.md").is_file()
    assert "](docs/method.md)" in (ROOT / "README.md").read_text()


def test_every_picture_the_docs_show_is_a_current_snapshot():
    shown = _pictures_of(ROOT / "docs" / "method.md") | _pictures_of(ROOT / "README.md")
    assert len(shown) >= 10  # the method page shows the screens
    pictures = docs_pictures.PICTURES.resolve()
    for picture in shown:
        if picture.parent == (ROOT / "docs" / "bench").resolve():
            # The bench's charts (python -m deskterm.bench --growth --chart), not screens.
            assert picture.is_file(), f"{picture} is missing: run the bench with --chart"
            continue
        assert picture.parent == pictures, f"{picture} is not one of docs/pictures/"
        assert picture.name in docs_pictures.SOURCES, f"{picture.name} has no snapshot"
        assert picture.is_file(), f"{picture} is missing: run python tools/docs_pictures.py"
    assert docs_pictures.stale() == [], "run python tools/docs_pictures.py"


def test_a_changed_snapshot_makes_its_picture_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(docs_pictures, "PICTURES", tmp_path / "pictures")
    assert set(docs_pictures.stale()) == set(docs_pictures.SOURCES)
    assert set(docs_pictures.refresh()) == set(docs_pictures.SOURCES)
    assert docs_pictures.stale() == []
    (tmp_path / "pictures" / "reception.svg").write_text("<svg>old</svg>")
    assert docs_pictures.stale() == ["reception.svg"]
