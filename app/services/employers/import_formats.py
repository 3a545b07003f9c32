"""Reading an uploaded employer list: CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX.

The format is told by the bytes, never the file name. XLSX is opened only
after its zip directory passes the size caps (a zip bomb is refused before a
byte is inflated) and is parsed by openpyxl in read-only mode, which uses
defusedxml when installed: no entity expansion, no external entities.
Rows are yielded one at a time, so memory stays flat however long the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import openpyxl

from app.errors import PayloadTooLarge, UnsupportedMediaType, unprocessable

MAX_ROWS = 200_000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 1_000
XLSX_MAGIC = b"PK\x03\x04"
# Things people upload by mistake: legacy .xls, PDF, images, gzip, 7z, RAR.
_BINARY_MAGIC = (
    b"\xd0\xcf\x11\xe0",
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"PK",
)
WRONG_TYPE = "Send the list as CSV (UTF-8 or GBK) or XLSX."

Row = tuple[int, list[Any]]


def _too_many_rows() -> PayloadTooLarge:
    return PayloadTooLarge(f"The file has more than {MAX_ROWS:,} rows; split it.")


def sniff(file: IO[bytes]) -> str:
    """'csv' or 'xlsx'; 422 when empty, 415 when it is something else."""
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise unprocessable(("body", "file"), "The file is empty.")
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    # Text has no NULs; a stray one in a cell is cleaned later, many mean a binary file.
    if head.startswith(_BINARY_MAGIC) or head.count(b"\x00") > max(4, len(head) // 100):
        raise UnsupportedMediaType(WRONG_TYPE)
    return "csv"


def csv_encoding(file: IO[bytes]) -> str:
    """utf-8-sig if the whole file decodes as UTF-8, else gb18030 (a superset of GBK)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    try:
        while chunk := file.read(1 << 16):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "gb18030"
    file.seek(0)
    return encoding


def _csv_rows(file: IO[bytes]) -> Iterator[Row]:
    text = io.TextIOWrapper(file, encoding=csv_encoding(file), errors="replace", newline="")
    try:
        reader = csv.reader(text)
        line = 0
        try:
            for line, cells in enumerate(reader, start=1):
                yield line, list(cells)
        except csv.Error as exc:
            raise unprocessable(
                ("body", "file"), f"Row {line + 1} is not valid CSV: {exc}."
            ) from None
    finally:
        text.detach()


def check_zip(file: IO[bytes]) -> None:
    """Refuse archives that would inflate past the caps, from the directory alone."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnsupportedMediaType(WRONG_TYPE) from None
    finally:
        file.seek(0)
    if len(members) > MAX_ZIP_MEMBERS:
        raise PayloadTooLarge("The XLSX holds too many parts.")
    inflated = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if inflated > MAX_UNZIPPED_BYTES or inflated > MAX_ZIP_RATIO * max(packed, 1):
        raise PayloadTooLarge(
            f"The XLSX would unpack to {inflated:,} bytes; the limit is "
            f"{MAX_UNZIPPED_BYTES:,} bytes and {MAX_ZIP_RATIO}× its size."
        )
    if "xl/workbook.xml" not in names:
        raise UnsupportedMediaType(WRONG_TYPE)


def _xlsx_rows(file: IO[bytes]) -> Iterator[Row]:
    check_zip(file)
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML errors
        raise unprocessable(
            ("body", "file"), f"Not a readable XLSX ({type(exc).__name__})."
        ) from None
    try:
        sheet = book.worksheets[0]
        line = 0
        try:
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield line, list(values)
        except (ValueError, KeyError, TypeError, SyntaxError, zipfile.BadZipFile) as exc:
            raise unprocessable(
                ("body", "file"),
                f"Row {line + 1} of the XLSX cannot be read ({type(exc).__name__}).",
            ) from None
    finally:
        book.close()


@contextmanager
def open_rows(file: IO[bytes]) -> Iterator[Iterator[Row]]:
    """(row number, cells) for every row, the header being row 1; capped at MAX_ROWS data rows.

    Hitting the cap raises mid-stream: the caller's transaction then rolls the
    whole import back, so a capped file leaves nothing behind.
    """
    kind = sniff(file)
    rows = _xlsx_rows(file) if kind == "xlsx" else _csv_rows(file)
    try:
        yield _capped(rows)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _capped(rows: Iterator[Row]) -> Iterator[Row]:
    for line, cells in rows:
        if line > MAX_ROWS + 1:
            raise _too_many_rows()
        if any(c is not None and c != "" for c in cells):
            yield line, cells
