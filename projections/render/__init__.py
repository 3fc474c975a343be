"""Renderers: a report model in words, tables and charts (text, markdown, csv, json; html,
xlsx and charts in their own modules, imported only when used: matplotlib and openpyxl are slow
to load)."""

from __future__ import annotations

from ledger.projections.render.data import to_csv, to_json
from ledger.projections.render.text import to_markdown, to_text
from ledger.projections.report import Report

FORMATS = ("text", "markdown", "json", "csv")
"""The formats a paper can be presented in (and reproduced byte-identical)."""


def render(report: Report, fmt: str) -> str:
    """Render in one of FORMATS."""
    renderers = {"json": to_json, "csv": to_csv, "markdown": to_markdown, "text": to_text}
    return renderers[fmt](report)


__all__ = ["FORMATS", "render", "to_csv", "to_json", "to_markdown", "to_text"]
