"""Charts drawn on the server as SVG markup (no JavaScript, no CDN).

Every text is XML-escaped; only presentation attributes are used (the CSP
forbids style attributes). The font list puts Noto Sans CJK SC first so
Chinese labels render where English ones do."""
from __future__ import annotations

from html import escape as _html_escape

from markupsafe import Markup


def escape(text: str) -> str:
    """XML-escape text content (& < > and both quotes)."""
    return _html_escape(text, quote=True)


def quoteattr(text: str) -> str:
    return '"' + escape(text) + '"'


FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
BAR = "#0b4a8b"
OVER = "#b35c00"


def _svg(width: int, height: int, title: str, body: list[str], css_class: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class={quoteattr(css_class)} width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" font-family={quoteattr(FONT)} font-size="12">'
            f"<title>{escape(title)}</title>")
    # Everything interpolated above and in `body` is escaped here.
    return Markup(head + "".join(body) + "</svg>")  # nosec B704 - built from escaped text only


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int | None = None, weight: str = "",
          fill: str = "#1d2429", css: str = "") -> str:
    extra = f' font-size="{size}"' if size else ""
    extra += f' font-weight="{weight}"' if weight else ""
    extra += f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(text)}</text>'


def coverage_bars(title: str, items: list[tuple[str, float | None]], *, none_text: str = "—") -> Markup:
    """Horizontal bars, one per (label, share 0-1 or None). Shares above 1 are
    drawn to the edge and marked."""
    width, label_w, row_h, top = 560, 150, 34, 30
    plot_w = width - label_w - 70
    height = top + row_h * len(items) + 10
    body = [_text(8, 18, title, weight="bold", size=13)]
    for i, (label, share) in enumerate(items):
        y = top + i * row_h
        body.append(_text(label_w - 8, y + 20, label, anchor="end"))
        body.append(f'<rect x="{label_w}" y="{y + 6}" width="{plot_w}" height="20" fill="#eef1f4"/>')
        if share is None:
            body.append(_text(label_w + 6, y + 20, none_text, fill="#5c666f"))
            continue
        w = max(0.0, min(1.0, share)) * plot_w
        body.append(f'<rect class="bar" x="{label_w}" y="{y + 6}" width="{w:.1f}" height="20" '
                    f'fill="{OVER if share > 1 else BAR}" data-value="{share:.4f}"/>')
        body.append(_text(label_w + plot_w + 6, y + 20, f"{share * 100:.1f}%"))
    return _svg(width, height, title, body, "chart bars")


def heatmap(title: str, rows: list[str], columns: list[str], values: list[list[int]]) -> Markup:
    """A rows x columns grid shaded by value (skill type x target level)."""
    cell_w, cell_h, left, top = 120, 46, 150, 48
    width, height = left + cell_w * len(columns) + 10, top + cell_h * len(rows) + 10
    peak = max((v for row in values for v in row), default=0) or 1
    body = [_text(8, 18, title, weight="bold", size=13)]
    for j, col in enumerate(columns):
        body.append(_text(left + j * cell_w + cell_w / 2, top - 8, col, anchor="middle"))
    for i, row in enumerate(rows):
        body.append(_text(left - 8, top + i * cell_h + cell_h / 2 + 4, row, anchor="end"))
        for j, value in enumerate(values[i]):
            share = value / peak
            # from #eef3f9 (nothing) to #0b4a8b (the largest cell)
            r, g, b = (round(a + (z - a) * share) for a, z in ((0xee, 0x0b), (0xf3, 0x4a), (0xf9, 0x8b)))
            x, y = left + j * cell_w, top + i * cell_h
            body.append(f'<rect class="cell" x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                        f'fill="#{r:02x}{g:02x}{b:02x}" data-value="{value}"/>')
            body.append(_text(x + cell_w / 2, y + cell_h / 2 + 4, f"{value:,}", anchor="middle",
                              fill="#ffffff" if share > 0.55 else "#1d2429", weight="bold"))
    return _svg(width, height, title, body, "chart heatmap")


def line_chart(title: str, points: list[tuple[str, int]]) -> Markup:
    """A line of (label, value) points, e.g. completions per month."""
    width, height, left, right, top, bottom = 640, 240, 56, 34, 30, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max((v for _l, v in points), default=0)
    peak = max(4, -(-top_value // 4) * 4)  # a multiple of 4: four gridlines at whole numbers
    body = [_text(8, 18, title, weight="bold", size=13)]
    for k in range(5):
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e1e5e9"/>')
        body.append(_text(left - 6, y + 4, f"{value:,.0f}", anchor="end", size=11, fill="#5c666f"))
    n = len(points)
    step = plot_w / (n - 1) if n > 1 else 0
    coords = [(left + i * step, top + plot_h - plot_h * v / peak) for i, (_l, v) in enumerate(points)]
    if coords:
        body.append('<polyline fill="none" stroke="#0b4a8b" stroke-width="2" points="'
                    + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    every = max(1, n // 8)
    for i, ((label, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
        body.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#0b4a8b" data-value="{value}">'
                    f"<title>{escape(label)}: {value:,}</title></circle>")
        if i % every == 0 or i == n - 1:
            body.append(_text(x, height - bottom + 16, label, anchor="middle", size=11, fill="#5c666f"))
    return _svg(width, height, title, body, "chart line")
