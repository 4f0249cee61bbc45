"""Find every translatable message id in the source (``_``, ``N_`` and user errors).

Used by the test that proves each id has a Chinese translation, and by
``python -m deskterm.i18n.extract`` to list the ids a translator still has to do.
"""

from __future__ import annotations

import ast
from pathlib import Path

CONTEXT_SEP = "\x04"  # the same separator as deskterm.i18n (not imported: no cycle)

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
CONTEXT_MARKERS = {"_p", "N_p"}  # (context, msgid): the id is ``context\x04msgid``
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
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            if name in PLURAL_MARKERS:
                for arg in node.args[:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.setdefault(arg.value, where)
            elif name in MARKERS and isinstance(first, ast.Constant):
                if not isinstance(first.value, str):
                    continue
                found.setdefault(first.value, where)
            elif name in CONTEXT_MARKERS and len(node.args) >= 2:
                ctx, msg = node.args[0], node.args[1]
                if (
                    isinstance(ctx, ast.Constant)
                    and isinstance(ctx.value, str)
                    and isinstance(msg, ast.Constant)
                    and isinstance(msg.value, str)
                ):
                    found.setdefault(f"{ctx.value}{CONTEXT_SEP}{msg.value}", where)
    return found


if __name__ == "__main__":  # pragma: no cover
    from deskterm.i18n.zh_CN import MESSAGES

    for msgid, where in message_ids().items():
        if msgid not in MESSAGES:
            print(f"{where}\t{msgid!r}")
