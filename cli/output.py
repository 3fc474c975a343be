"""Where a command's output goes: stdout, or a file named by -o (text, HTML, xlsx, charts).

matplotlib and openpyxl are imported only when a chart or a workbook is made, so the rest of
the command line starts without them.
"""

from __future__ import annotations

import click

from ledger.application import Ledger
from ledger.application.reporting import report_burnup
from ledger.cli.common import BadValueError, RefusedError
from ledger.projections.report import Report


def write_output(text: str, output: str | None) -> None:
    """Write to a file when -o is given, else to stdout."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as e:
        raise RefusedError(f"cannot write {output}: {e.strerror}") from None
    click.echo(f"wrote {output}", err=True)


def write_bytes(data: bytes, output: str) -> None:
    """Write a binary file, saying so on stderr; a failure is one line, exit 1."""
    try:
        with open(output, "wb") as fh:
            fh.write(data)
    except OSError as e:
        raise RefusedError(f"cannot write {output}: {e.strerror}") from None
    click.echo(f"wrote {output}", err=True)


def write_html(app: Ledger, report: Report, output: str | None) -> None:
    """Render `report` as one self-contained HTML file with its burn-up; needs -o FILE."""
    if output is None:
        raise BadValueError("--format html writes a file: give -o FILE.html")
    from ledger.projections.render.html import to_html

    burnup = report_burnup(app, report)
    write_output(to_html(report, burnup.points, burnup.meetings), output)


def write_xlsx(report: Report, output: str | None) -> None:
    """Write the as-at action list as .xlsx; needs -o FILE."""
    if output is None:
        raise BadValueError("--format xlsx writes a file: give -o FILE.xlsx")
    from ledger.projections.render.xlsx import xlsx_bytes

    write_bytes(xlsx_bytes(report), output)
