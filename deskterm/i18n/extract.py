"""Find every translatable message id in the source (``_``, ``N_`` and user errors).

Used by the test that proves each id has a Chinese translation, and by
``python -m deskterm.i18n.extract`` to list the ids a translator still has to do.
"""

from __future__ import annotations

import ast
from pathlib import Path

ERROR_CLASSES = {
    "DesktermError",
    "InvalidInput",
    "RuleViolation",
    "NotFound",
    "StorageError",
    "DamagedDatabase",
    "PermissionDenied",
    "UsageError",
}
MARKERS = {"_", "N_"} | ERROR_CLASSES
PLURAL_MARKERS = {"ngettext"}  # ngettext(singular, plural, n): both forms are ids


def message_ids(root: Path | None = None) -> dict[str, str]:
    """Map each message id found under ``root`` (the package) to one place it is used."""
    root = root or Path(__file__).resolve().parents[1]
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", None)
            first = node.args[0]
            ids = node.args[:2] if name in PLURAL_MARKERS else [first] if name in MARKERS else []
            for arg in ids:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


if __name__ == "__main__":  # pragma: no cover
    from deskterm.i18n.zh_CN import MESSAGES

    for msgid, where in message_ids().items():
        if msgid not in MESSAGES:
            print(f"{where}\t{msgid!r}")
