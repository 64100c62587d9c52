"""The monthly compliance report for the head of the office (Kadis): CSV and PDF, in Indonesian,
with times in the office's zone."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from babel.dates import format_date
from fpdf import FPDF

from services.editorial.compliance_rules import OpdMonth, parse_month
from shared.vocabulary import DATE_AND_TIME, LOCALE, format_local

HEADINGS = ("No", "Kode OPD", "Nama OPD", "Wilayah", "Laporan masuk", "Dikembalikan",
            "Ditolak", "Terbit", "Target", "Kekurangan", "Median hingga terbit (jam)",
            "Persentase dikembalikan", "Status")


def month_name(month: str) -> str:
    year, number = parse_month(month)
    return format_date(datetime(year, number, 1), "MMMM y", locale=LOCALE)


def title(month: str) -> str:
    return f"Laporan Kepatuhan Pelaporan OPD Bulan {month_name(month)}"


def _cells(index: int, row: OpdMonth) -> list[str]:
    share = f"{row.sent_back_share * 100:.0f}%" if row.sent_back_share is not None else "-"
    median = f"{row.median_hours_to_publish:.1f}".replace(".", ",") \
        if row.median_hours_to_publish is not None else "-"
    return [str(index), row.code, row.name, row.region, str(row.submitted), str(row.sent_back),
            str(row.rejected), str(row.published), str(row.target), str(row.shortfall), median,
            share, "Di bawah target" if row.behind else "Memenuhi target"]


def as_csv(month: str, rows: list[OpdMonth], office: str, timezone: str, now: datetime) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title(month)])
    writer.writerow([f"Kepada Yth. Kepala {office}"])
    writer.writerow([f"Dibuat {format_local(now, timezone, DATE_AND_TIME)}; dihitung menurut "
                     "tanggal laporan masuk, dalam zona waktu masing-masing OPD"])
    writer.writerow(HEADINGS)
    for index, row in enumerate(rows, 1):
        writer.writerow(_cells(index, row))
    return out.getvalue()


# Millimetres per column on landscape A4 (277 mm inside the margins); the last takes the rest.
_WIDTHS = (9, 28, 52, 26, 17, 19, 14, 13, 13, 18, 24, 20, 0)


def as_pdf(month: str, rows: list[OpdMonth], office: str, timezone: str, now: datetime
           ) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin(title(month)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin(f"Kepada Yth. Kepala {office}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, _latin(f"Dibuat {format_local(now, timezone, DATE_AND_TIME)}. Dihitung "
                          "menurut tanggal laporan masuk, dalam zona waktu masing-masing OPD."),
             new_x="LMARGIN", new_y="NEXT")
    behind = sum(1 for r in rows if r.behind)
    pdf.cell(0, 6, _latin(f"{behind} dari {len(rows)} OPD di bawah target terbit bulanan."),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 7)
    for heading, width in zip(HEADINGS, _WIDTHS, strict=True):
        pdf.cell(width, 7, _latin(heading), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 7)
    for index, row in enumerate(rows, 1):
        for text, width in zip(_cells(index, row), _WIDTHS, strict=True):
            pdf.cell(width, 6, _fit(pdf, _latin(text), width or 24), border=1)
        pdf.ln()
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shortened (with "...") to fit the cell, so a long OPD name never runs into the next."""
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


def _latin(text: str) -> str:
    """The core PDF fonts are Latin-1; anything else is replaced, never an error."""
    return text.encode("latin-1", "replace").decode("latin-1")
