"""The needs report's charts, drawn on the server as SVG (no JavaScript, no
CDN), with the reports' escaping and fonts. A suppressed figure is drawn as
its text '<5', never as a bar or a shade."""
from __future__ import annotations

from markupsafe import Markup

from lms.reports.charts import FONT, escape, quoteattr

NEED = "#b35c00"
COVER = "#0b4a8b"
GREY = "#5c666f"


def _svg(width: int, height: int, title: str, body: list[str], css_class: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class={quoteattr(css_class)} width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" font-family={quoteattr(FONT)} font-size="12">'
            f"<title>{escape(title)}</title>")
    return Markup(head + "".join(body) + "</svg>")  # nosec B704 - every text in it is escaped


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int | None = None, weight: str = "",
          fill: str = "#1d2429") -> str:
    extra = (f' font-size="{size}"' if size else "") + (f' font-weight="{weight}"' if weight else "")
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(text)}</text>'


def need_heatmap(title: str, rows: list[str], columns: list[str], cells: list[list[tuple[float | None, str]]]) -> Markup:
    """A grid shaded by the share of 'essential' (0..1; None: no shade), each with its text."""
    cell_w, cell_h, left, top = 130, 46, 150, 48
    width, height = left + cell_w * len(columns) + 10, top + cell_h * len(rows) + 10
    body = [_text(8, 18, title, weight="bold", size=13)]
    for j, col in enumerate(columns):
        body.append(_text(left + j * cell_w + cell_w / 2, top - 8, col, anchor="middle"))
    for i, row in enumerate(rows):
        body.append(_text(left - 8, top + i * cell_h + cell_h / 2 + 4, row, anchor="end"))
        for j, (share, text) in enumerate(cells[i]):
            x, y = left + j * cell_w, top + i * cell_h
            if share is None:
                fill, ink = "#f4f6f8", GREY
            else:
                s = max(0.0, min(1.0, share))  # from #fdf1e3 (nobody) to #b35c00 (everybody says essential)
                r, g, b = (round(a + (z - a) * s) for a, z in ((0xfd, 0xb3), (0xf1, 0x5c), (0xe3, 0x00)))
                fill, ink = f"#{r:02x}{g:02x}{b:02x}", "#ffffff" if s > 0.55 else "#1d2429"
            value = f' data-value="{share:.4f}"' if share is not None else ""
            body.append(f'<rect class="cell" x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}"{value}/>')
            body.append(_text(x + cell_w / 2, y + cell_h / 2 + 4, text, anchor="middle", fill=ink, weight="bold"))
    return _svg(width, height, title, body, "chart heatmap needs")


def need_and_coverage(title: str, items: list[tuple[str, float | None, str, float | None, str]],
                      legend: tuple[str, str]) -> Markup:
    """Per cell two bars side by side: the share of 'essential' and the coverage (0..1),
    each with its text ('<5', '—' or a percentage) and a note (the courses offered)."""
    width, label_w, row_h, top = 640, 170, 44, 46
    plot_w = width - label_w - 150
    height = top + row_h * len(items) + 10
    body = [_text(8, 18, title, weight="bold", size=13),
            f'<rect x="{label_w}" y="26" width="10" height="10" fill="{NEED}"/>', _text(label_w + 14, 35, legend[0], size=11),
            f'<rect x="{label_w + 200}" y="26" width="10" height="10" fill="{COVER}"/>',
            _text(label_w + 214, 35, legend[1], size=11)]
    for i, (label, need, need_text, coverage, note) in enumerate(items):
        y = top + i * row_h
        body.append(_text(label_w - 8, y + 22, label, anchor="end"))
        for k, (share, text, colour) in enumerate(((need, need_text, NEED), (coverage, "", COVER))):
            by = y + 4 + k * 18
            body.append(f'<rect x="{label_w}" y="{by}" width="{plot_w}" height="14" fill="#eef1f4"/>')
            if share is not None:
                w = max(0.0, min(1.0, share)) * plot_w
                body.append(f'<rect class="bar" x="{label_w}" y="{by}" width="{w:.1f}" height="14" fill="{colour}" '
                            f'data-value="{share:.4f}"/>')
            shown = text or ("—" if share is None else f"{share * 100:.1f}%")
            body.append(_text(label_w + plot_w + 6, by + 12, shown, size=11))
        body.append(_text(label_w + plot_w + 60, y + 22, note, size=11, fill=GREY))
    return _svg(width, height, title, body, "chart bars needs")
