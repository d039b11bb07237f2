"""A certificate as a QR code (SVG for the printable page) and as a PDF.

The PDF is drawn with fpdf2, embedding (a subset of) a CJK font found on the
system: Noto CJK (Debian's fonts-noto-cjk) first. fpdf2 reads its OpenType
(CFF) outlines, which reportlab cannot. With no such file on the machine the
PDF is drawn with reportlab's built-in CID font STSong-Light instead, which
needs no file (the PDF viewer supplies the glyphs). No Flask here: the view
passes the texts already translated.
"""
from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from fpdf import FPDF
from markupsafe import Markup
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

# (file, index of Simplified Chinese in a collection): tried in this order.
CJK_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
FALLBACK_CID_FONT = "STSong-Light"


def qr_svg(url: str) -> Markup:
    """The URL as an inline SVG QR code (segno writes only path data: nothing of the URL as text)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2, svgclass="qr"))  # nosec B704 - segno's own markup


def qr_matrix(url: str) -> list[list[bool]]:
    return [[bool(cell) for cell in row] for row in segno.make(url, error="m").matrix]


@dataclass(frozen=True)
class Sheet:
    """What the PDF shows, already translated."""

    issuer: str
    heading: str
    holder: str
    statement: str  # "has completed"
    title: str
    fields: Sequence[tuple[str, str]]  # label, value
    notice: str  # revoked / expired, or ""
    verify_label: str
    verify_url: str
    serial: str


def find_cjk_font(candidates: Sequence[tuple[str, int]] = CJK_FONTS) -> tuple[str, int] | None:
    for path, index in candidates:
        if os.path.isfile(path):
            return path, index
    return None


# A4 in millimetres
WIDTH, HEIGHT, MARGIN = 210.0, 297.0, 20.0
QR_SIZE = 40.0


def certificate_pdf(sheet: Sheet, *, fonts: Sequence[tuple[str, int]] = CJK_FONTS) -> bytes:
    font = find_cjk_font(fonts)
    if font is not None:
        return _fpdf(sheet, *font)
    return _reportlab(sheet)


def _fpdf(sheet: Sheet, path: str, index: int) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creator("@learning")
    pdf.set_title(f"{sheet.heading} {sheet.serial}")
    pdf.set_keywords(f"{sheet.serial} {sheet.verify_url}")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("cjk", "", path, collection_font_number=index)
    pdf.set_draw_color(90, 90, 90)
    pdf.rect(MARGIN / 2, MARGIN / 2, WIDTH - MARGIN, HEIGHT - MARGIN)
    width = WIDTH - 2 * MARGIN

    def line(text: str, size: float, height: float, gap: float = 0.0) -> None:
        pdf.set_font("cjk", size=size)
        pdf.set_x(MARGIN)
        pdf.multi_cell(width, height, text, align="C")
        if gap:
            pdf.ln(gap)

    pdf.set_y(32)
    line(sheet.issuer, 12, 7, 6)
    line(sheet.heading, 30, 14, 14)
    line(sheet.holder, 24, 12, 4)
    line(sheet.statement, 13, 7, 4)
    line(sheet.title, 20, 10, 14)
    pdf.set_font("cjk", size=12)
    for label, value in sheet.fields:
        pdf.set_x(MARGIN + 20)
        pdf.cell(50, 9, label)
        pdf.cell(width - 70, 9, value, new_x="LMARGIN", new_y="NEXT")
    if sheet.notice:
        pdf.ln(6)
        pdf.set_text_color(170, 0, 0)
        line(sheet.notice, 16, 9)
        pdf.set_text_color(0, 0, 0)
    _draw_qr(qr_matrix(sheet.verify_url), lambda x, y, s: pdf.rect(x, y, s, s, style="F"),
             WIDTH - MARGIN - QR_SIZE, HEIGHT - MARGIN - QR_SIZE - 14)
    pdf.set_font("cjk", size=8)
    pdf.set_xy(MARGIN, HEIGHT - MARGIN - 12)
    pdf.multi_cell(width, 4.5, f"{sheet.verify_label}\n{sheet.verify_url}", align="R")
    return bytes(pdf.output())


def _draw_qr(matrix: list[list[bool]], square, left: float, top: float) -> None:
    module = QR_SIZE / len(matrix)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                square(left + c * module, top + r * module, module)


def _reportlab(sheet: Sheet) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle(f"{sheet.heading} {sheet.serial}")
    c.setKeywords(f"{sheet.serial} {sheet.verify_url}")
    c.setCreator("@learning")

    def y(top_mm: float) -> float:  # from the top of the page, in points
        return (HEIGHT - top_mm) * mm

    c.rect(MARGIN / 2 * mm, MARGIN / 2 * mm, (WIDTH - MARGIN) * mm, (HEIGHT - MARGIN) * mm)
    centre = WIDTH / 2 * mm
    for text, size, heading_top in ((sheet.issuer, 12, 38), (sheet.heading, 30, 55), (sheet.holder, 24, 80), (sheet.statement, 13, 92),
                            (sheet.title, 20, 106)):
        c.setFont(FALLBACK_CID_FONT, size)
        c.drawCentredString(centre, y(heading_top), text)
    c.setFont(FALLBACK_CID_FONT, 12)
    top = 130.0
    for label, value in sheet.fields:
        c.drawString((MARGIN + 20) * mm, y(top), label)
        c.drawString((MARGIN + 70) * mm, y(top), value)
        top += 9
    if sheet.notice:
        c.setFillColorRGB(0.67, 0, 0)
        c.setFont(FALLBACK_CID_FONT, 16)
        c.drawCentredString(centre, y(top + 8), sheet.notice)
        c.setFillColorRGB(0, 0, 0)
    qr_top = HEIGHT - MARGIN - QR_SIZE - 14
    _draw_qr(qr_matrix(sheet.verify_url),
             lambda x, t, s: c.rect(x * mm, (HEIGHT - t - s) * mm, s * mm, s * mm, stroke=0, fill=1),
             WIDTH - MARGIN - QR_SIZE, qr_top)
    c.setFont(FALLBACK_CID_FONT, 8)
    c.drawRightString((WIDTH - MARGIN) * mm, y(HEIGHT - MARGIN - 8), sheet.verify_label)
    c.drawRightString((WIDTH - MARGIN) * mm, y(HEIGHT - MARGIN - 3.5), sheet.verify_url)
    c.showPage()
    c.save()
    return out.getvalue()
