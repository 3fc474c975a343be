"""The report as one self-contained, printable HTML file: no scripts, no network, no assets.

Built from the same `Report` as the other formats: the minutes paragraph, the totals with the
change since the previous meeting, the burn-up chart as inline SVG, every table of the report,
the fingerprint and the two clocks. Figures sit in elements with stable data attributes
(`<td data-total="completed">`) so a browser test can read them back.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape

from ledger.projections.burnup import Point
from ledger.projections.papers import paper_meta
from ledger.projections.render.chart import draw
from ledger.projections.render.text import CLOSED_COUNTS, LIVE_COUNTS, sections, words
from ledger.projections.replay import Totals
from ledger.projections.report import Report
from ledger.projections.words import long_date

COUNTS = (*LIVE_COUNTS, *CLOSED_COUNTS)
"""Every total, withdrawn and superseded included (an HTML page is never a presented paper)."""
SINCE = (("completed", "completed"), ("started", "started"), ("added", "added"),
         ("withdrawn", "withdrawn"), ("superseded", "superseded"),
         ("remaining", "still to complete"))

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1a1a1a;
  font: 15px/1.45 "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.1rem; margin: 1.8rem 0 .5rem; border-bottom: 1px solid #cfd8dc;
  padding-bottom: .2rem; }
.clocks { color: #455a64; font-size: .9rem; margin: 0 0 1rem; }
.minutes p { font-family: Georgia, "DejaVu Serif", "Liberation Serif", serif; font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 .6rem; font-size: .92rem; }
th, td { border: 1px solid #cfd8dc; padding: .25rem .5rem; text-align: left;
  vertical-align: top; }
thead th { background: #eceff1; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.totals td { font-size: 1.2rem; font-weight: 600; }
.change { color: #37474f; }
ul.since { padding-left: 1.2rem; margin: .3rem 0; }
figure { margin: .5rem 0; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { color: #455a64; font-size: .85rem; }
.empty { color: #607d8b; font-style: italic; }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: .85rem;
  word-break: break-all; }
footer { margin-top: 2rem; color: #455a64; font-size: .85rem; }
@page { size: A4; margin: 14mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  section, figure, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  h2 { break-after: avoid; }
}
"""


def _svg(points: list[Point], meetings: list[tuple[date, str]]) -> str:
    """The chart as an inline <svg> element (no XML prolog, doctype or metadata)."""
    text = draw(points, meetings, "svg").decode()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    return text.replace("<svg ", '<svg role="img" aria-labelledby="burnup-caption" ', 1)


def _totals_table(report: Report) -> list[str]:
    since = report.since_figures()
    out = ['<table class="totals" id="totals-table">', "<thead><tr><th></th>"]
    out += [f'<th class="num">{label}</th>' for _, label in COUNTS]
    out.append("</tr></thead><tbody>")
    now = report.totals
    out.append(f'<tr><th scope="row">As at {escape(long_date(report.position.as_at))}</th>')
    out += [f'<td class="num" data-total="{key}">{getattr(now, key)}</td>' for key, _ in COUNTS]
    out.append("</tr>")
    if since is not None and report.since is not None:
        then = Totals(**since["then"])
        lead = report.since_lead().removeprefix("As at ").rstrip(",")
        out.append(f'<tr><th scope="row">As at {escape(lead)}</th>')
        out += [f'<td class="num" data-then="{key}">{getattr(then, key)}</td>'
                for key, _ in COUNTS]
        out.append('</tr><tr class="change"><th scope="row">Change</th>')
        out += [f'<td class="num" data-change="{key}">{getattr(now, key) - getattr(then, key):+d}'
                "</td>" for key, _ in COUNTS]
        out.append("</tr>")
    out.append("</tbody></table>")
    if since is not None:
        items = [f'<li><span data-since="{key}">{since[key]}</span> {words}</li>'
                 for key, words in SINCE if key in since]
        out.append(f"<p>Since {escape(long_date(date.fromisoformat(since['date'])))}:</p>")
        out.append('<ul class="since">' + "".join(items) + "</ul>")
    return out


def _table(heading: str, columns: list[str], rows: list[list[str]], empty: str) -> list[str]:
    slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
    out = [f'<section id="{slug}">', f"<h2>{escape(heading)}</h2>"]
    if not rows:
        out += [f'<p class="empty">{escape(empty)}</p>', "</section>"]
        return out
    numeric = [all(r[i].lstrip("+-").isdigit() for r in rows if r[i]) and any(r[i] for r in rows)
               for i in range(len(columns))]
    out.append("<table><thead><tr>")
    out += [f'<th{" class=num" if numeric[i] else ""} scope="col">{escape(c)}</th>'
            for i, c in enumerate(columns)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = [f'<td{" class=num" if numeric[i] else ""}>{escape(c)}</td>'
                 for i, c in enumerate(row)]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody></table>", "</section>"]
    return out


def to_html(report: Report, burnup: list[Point] | None,
            meetings: list[tuple[date, str]]) -> str:
    """The whole report as one HTML document with inline CSS and the burn-up as inline SVG."""
    fp = report.position.fingerprint
    title, paragraphs = words(report)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="ledger-fingerprint" content="{fp}">',
        paper_meta(report),
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="clocks" id="clocks">{escape(report.clocks())}</p>',
        *([f'<p class="clocks" id="note">{escape(report.note)}</p>'] if report.note else []),
        "</header>",
        '<section id="minutes" class="minutes">',
        "<h2>For the minutes</h2>",
    ]
    out += [f"<p>{escape(p)}</p>" for p in paragraphs]
    out += ["</section>", '<section id="totals">', "<h2>Totals</h2>", *_totals_table(report),
            "</section>"]
    if burnup is not None:
        out += ['<section id="burnup">', "<h2>Progress over time</h2>", "<figure>"]
        out.append(_svg(burnup, meetings))
        span = (f" from {long_date(burnup[0][0])} to {long_date(burnup[-1][0])}" if burnup
                else "")
        out.append(f'<figcaption id="burnup-caption">Actions completed, in progress and not '
                   f"started{escape(span)}; dashed lines mark committee meetings.</figcaption>")
        out += ["</figure>", "</section>"]
    for heading, columns, rows, empty in sections(report):
        out += _table(heading, columns, rows, empty)
    out += [
        '<section id="fingerprint">',
        "<h2>Fingerprint</h2>",
        f'<p data-fingerprint="{fp}">{escape(report.fingerprint_words())}</p>',
        "</section>",
        '<section id="computed">',
        "<h2>Computed on two clocks</h2>",
        f'<p data-as-at="{report.position.as_at.isoformat()}">{escape(report.clocks())}</p>',
        "</section>",
        "<footer>Computed from the events alone by ledger; every figure can be checked against "
        f"the trail with <code>ledger verify --expect {escape(str(fp))}</code>.</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"
