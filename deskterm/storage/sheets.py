"""Spreadsheet files in and out: CSV (any encoding Excel writes) and .xlsx (optional extra).

Reading gives a header and rows of cells; writing takes a header and an iterable of
rows, streamed, so that 200,000 customers never sit in memory as one list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from deskterm.domain.sheet import Cell, cell_text, find_header_row
from deskterm.errors import InvalidInput, StorageError
from deskterm.storage import platform
from deskterm.storage.private import open_private

#: Encodings tried in order: Excel on a Chinese Windows saves "CSV" as GB18030/GBK;
#: "CSV UTF-8" starts with a BOM.
ENCODINGS = ("utf-8-sig", "gb18030")
MAX_ROWS = 100_000  # a showroom's sheet, not a data warehouse: refuse rather than hang


Line = tuple[int, tuple[Cell, ...]]
#: How many lines from the top are searched for the header row (title rows above it).
HEADER_SEARCH = 20


@dataclass(frozen=True)
class Sheet:
    """A table read from a file: its header and its rows (line numbers as Excel shows).

    ``above`` keeps the lines above the header row (a merged title, a group row), so a
    person can choose another header row without reading the file again.
    """

    name: str
    headers: tuple[str, ...]
    rows: tuple[Line, ...]
    header_row: int = 1
    above: tuple[Line, ...] = ()
    encoding: str = "utf-8-sig"  # a CSV's own: a rejects file is written in it
    path: Path | None = None  # the file read (a rejects file is written beside it)

    def top_lines(self, n: int = HEADER_SEARCH) -> list[Line]:
        """The first ``n`` lines of the file, the header row among them."""
        head: Line = (self.header_row, tuple(self.headers))
        return [*self.above, head, *self.rows][:n]

    def at_header_row(self, line: int) -> Sheet:
        """The same file read with its headers on ``line`` (1-based, as Excel numbers)."""
        every = [*self.above, (self.header_row, tuple(self.headers)), *self.rows]
        index = next((i for i, (n, _cells) in enumerate(every) if n == line), None)
        if index is None:
            raise InvalidInput(
                "The sheet has no line {value}.", field="header_row", value=str(line)
            )
        headers = tuple(cell_text(c).strip() for c in every[index][1])
        return replace(
            self,
            headers=headers,
            rows=tuple(every[index + 1 :]),
            header_row=line,
            above=tuple(every[:index]),
        )


def _split(
    name: str, lines: list[Line], header_row: int | None, encoding: str = "utf-8-sig"
) -> Sheet:
    """A sheet from its lines, the header row found (or given)."""
    if not lines:
        raise InvalidInput("The file is empty.", field="file")
    first = lines[0]
    sheet = Sheet(name, tuple(cell_text(c).strip() for c in first[1]), tuple(lines[1:]), first[0])
    sheet = replace(sheet, encoding=encoding)
    if header_row is None:
        header_row = find_header_row(lines[:HEADER_SEARCH]) or first[0]
    return sheet if header_row == first[0] else sheet.at_header_row(header_row)


def _xlsx_module() -> Any:
    try:
        import openpyxl
    except ImportError:
        raise InvalidInput(
            "Reading or writing .xlsx needs the xlsx extra: pip install "
            "'deskterm[xlsx]'. Or save the sheet as CSV.",
            field="file",
        ) from None
    return openpyxl


def check_source(path: Path) -> None:
    """Refuse at once, without reading it, a file that cannot be a sheet to import."""
    if path.suffix.lower() == ".xls":
        raise InvalidInput(
            "An old .xls file: save it as .xlsx or CSV in Excel first.", field="file"
        )
    if path.is_dir():
        raise InvalidInput("{path} is a folder, not a file.", field="file", path=str(path))
    if not path.exists():
        raise InvalidInput("No such file: {path}.", field="file", path=str(path))


def read_sheet(path: Path, sheet_name: str | None = None, header_row: int | None = None) -> Sheet:
    """Read a CSV or .xlsx file; raises InvalidInput with a message a person can act on.

    The header row is the first of the top 20 lines that names at least two known
    fields (a merged title and a group row above it are skipped), unless ``header_row``
    says which line it is.
    """
    check_source(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return replace(_read_xlsx(path, sheet_name, header_row), path=path)
        return replace(_read_csv(path, header_row), path=path)
    except FileNotFoundError:
        raise InvalidInput("No such file: {path}.", field="file", path=str(path)) from None
    except IsADirectoryError:
        raise InvalidInput(
            "{path} is a folder, not a file.", field="file", path=str(path)
        ) from None
    except PermissionError:
        raise InvalidInput("No permission to read {path}.", field="file", path=str(path)) from None


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        'Cannot read the file\'s text: save it as "CSV UTF-8" in Excel.', field="file"
    )


def _read_csv(path: Path, header_row: int | None) -> Sheet:
    if b"\x00" in (data := path.read_bytes())[:4096]:
        raise InvalidInput("This is not a CSV file (binary content).", field="file")
    text, encoding = _decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column, or too irregular to tell: plain commas
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        rows: list[Line] = []
        for row in reader:
            rows.append((reader.line_num, tuple(c or None for c in row)))
            if len(rows) > MAX_ROWS + HEADER_SEARCH:
                raise InvalidInput("More than {n} rows: split the file.", field="file", n=MAX_ROWS)
    except csv.Error as exc:
        raise InvalidInput(
            "Line {line} of the file cannot be read: {error}.",
            field="file",
            line=reader.line_num,
            error=str(exc),
        ) from None
    return _split(path.name, rows, header_row, encoding)


def _read_xlsx(path: Path, sheet_name: str | None, header_row: int | None) -> Sheet:
    openpyxl = _xlsx_module()
    from zipfile import BadZipFile

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError) as exc:
        if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
            raise
        raise InvalidInput(
            "{path} is not an .xlsx workbook.", field="file", path=str(path)
        ) from None
    try:
        if sheet_name is not None and sheet_name not in book.sheetnames:
            raise InvalidInput(
                "The workbook has no sheet {value} (it has: {names}).",
                field="sheet",
                value=sheet_name,
                names=", ".join(book.sheetnames),
            )
        ws = book[sheet_name] if sheet_name else book.worksheets[0]
        rows: list[Line] = []
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            rows.append((n, tuple(row)))
            if len(rows) > MAX_ROWS + HEADER_SEARCH:
                raise InvalidInput("More than {n} rows: split the file.", field="file", n=MAX_ROWS)
        if not rows:
            raise InvalidInput("The sheet is empty.", field="file")
        return _split(ws.title, rows, header_row)
    finally:
        book.close()


def check_target(path: Path) -> None:
    """Refuse, before any work, a file name that cannot be written as a sheet."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InvalidInput(
            "Export to a .csv or .xlsx file (not {value}).",
            field="out",
            value=path.suffix or path.name,
        )
    if path.is_dir():
        raise InvalidInput("{path} is a folder, not a file.", field="out", path=str(path))


def write_sheet(
    path: Path,
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    encoding: str = "utf-8-sig",
) -> int:
    """Write CSV (UTF-8 with BOM, so Excel shows Chinese) or .xlsx by the file's suffix.

    ``encoding`` is for a CSV written back in the encoding its source came in (GBK).

    Writes to a temporary file beside ``path`` and renames it, so a failed export never
    leaves half a file under the name asked for. Returns the number of rows written.
    """
    check_target(path)
    suffix = path.suffix.lower()
    tmp = path.with_name(f".{path.name}.part")
    try:
        count = (
            _write_xlsx(tmp, headers, rows)
            if suffix == ".xlsx"
            else _write_csv(tmp, headers, rows, encoding)
        )
        platform.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if platform.held_elsewhere(exc):
            # Windows: the old file is open in Excel (or another program), which keeps
            # it from being replaced.
            raise StorageError(
                "Cannot write {path}: it is open in another program (Excel?). Close it "
                "there and export again.",
                path=str(path),
            ) from exc
        raise StorageError(
            "Cannot write {path}: {error}.", path=str(path), error=exc.strerror or str(exc)
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def _cells(row: Sequence[Cell]) -> Iterator[Cell]:
    for cell in row:
        # A text cell starting with = + - @ is a formula to Excel: quote it, so that an
        # exported note never runs as one (CSV injection).
        if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") and not _number(cell):
            yield "'" + cell
        else:
            yield cell


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _write_csv(
    path: Path, headers: Sequence[str], rows: Iterable[Sequence[Cell]], encoding: str
) -> int:
    count = 0
    # GB18030 writes every character (GBK would fail on a rare one) and reads as GBK.
    encoding = "gb18030" if encoding in ("gbk", "gb2312") else encoding
    with open_private(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if c is None else c for c in _cells(row)])
            count += 1
    return count


def _write_xlsx(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    openpyxl = _xlsx_module()
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet()
    ws.append(list(headers))
    count = 0

    def cell(value: Cell) -> Any:
        # openpyxl stores text starting with "=" as a formula: keep it text.
        if isinstance(value, str) and value.startswith("="):
            c = WriteOnlyCell(ws, value)
            c.data_type = "s"
            return c
        return value

    for row in rows:
        ws.append([cell(v) for v in row])
        count += 1
    with open_private(path, "wb") as f:
        book.save(f)
    return count
