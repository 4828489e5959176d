"""Pieces of the Word documents every report shares."""

from __future__ import annotations

from docx.document import Document as DocumentObject


def table(doc: DocumentObject, header: list[str], rows: list[list[str]]) -> None:
    """A gridded table: the header row, then one row per list of cell texts."""
    grid = doc.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = text
