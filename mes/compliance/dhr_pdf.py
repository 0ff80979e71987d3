"""The DHR and batch record as PDF: header with product and lot on every page, "page x of y", signatures.

fpdf2 is pure Python; DejaVu Sans (vendored in mes/compliance/fonts, its licence beside it) carries the
Cyrillic that names, descriptions and Russian labels need: the PDF core fonts cannot encode it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

FONTS = Path(__file__).with_name("fonts")
LABELS = {
    "en": {"dhr": "Device history record", "batch": "Batch record", "page": "Page {n} of {nb}",
           "identity": "Identity", "operations": "Operations", "components": "Components",
           "ncs": "Nonconformances", "holds": "Holds", "signatures": "Electronic signatures",
           "exceptions": "Exceptions (review by exception)", "quantities": "Quantities", "units": "Units",
           "valid": "VALID", "invalid": "INVALID — record changed after signing", "none": "none",
           "generated": "Generated", "product": "Product", "lot": "Lot", "wo": "Work order"},
    "ru": {"dhr": "Запись истории изделия", "batch": "Запись о партии", "page": "Стр. {n} из {nb}",
           "identity": "Идентификация", "operations": "Операции", "components": "Комплектующие",
           "ncs": "Несоответствия", "holds": "Блокировки", "signatures": "Электронные подписи",
           "exceptions": "Исключения (проверка по исключениям)", "quantities": "Количества", "units": "Изделия",
           "valid": "ДЕЙСТВИТЕЛЬНА", "invalid": "НЕДЕЙСТВИТЕЛЬНА — запись изменена после подписи",
           "none": "нет", "generated": "Сформировано", "product": "Изделие", "lot": "Партия", "wo": "Заказ"},
}


class _RecordPdf(FPDF):
    def __init__(self, title: str, subtitle: str, labels: dict[str, str]) -> None:
        super().__init__(format="A4")
        self.title_text, self.subtitle, self.labels = title, subtitle, labels
        # One face only: parsing a TTF costs ~0.2 s, and headings read well enough by size alone.
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages()
        self.generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    def header(self) -> None:
        self.set_font("DejaVu", "", 12)
        self.cell(0, 6, self.title_text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, self.subtitle, new_x="LMARGIN", new_y="NEXT")
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("DejaVu", "", 7)
        page = self.labels["page"].format(n=self.page_no(), nb="{nb}")
        self.cell(0, 5, f"{self.labels['generated']} {self.generated}    {page}", align="R")

    def section(self, text: str) -> None:
        self.ln(2)
        self.set_font("DejaVu", "", 10.5)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 8)

    def line_text(self, text: str, indent: float = 0) -> None:
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.w - self.r_margin - self.l_margin - indent, 4, text, align="L", new_x="LMARGIN",
                        new_y="NEXT")


def _t(value: str | None) -> str:
    """An ISO UTC timestamp as "2026-11-26 08:16:22Z" (the JSON keeps full precision)."""
    return f"{value[:19].replace('T', ' ')}Z" if value else "—"


def _subtitle(record: dict[str, Any], labels: dict[str, str]) -> str:
    p = record["product"]
    return (f"{labels['product']}: {p['model']} rev {p['revision']} (GTIN {p['gtin']})   "
            f"{labels['lot']}: {record['lot']}   {labels['wo']}: {record['work_order']}")


def unit_dhr_pdf(record: dict[str, Any], language: str = "en") -> bytes:
    """The PDF of build_unit_dhr()'s record."""
    labels = LABELS.get(language, LABELS["en"])
    pdf = _RecordPdf(f"{labels['dhr']} — {record['serial']}", _subtitle(record, labels), labels)
    pdf.add_page()
    pdf.section(labels["identity"])
    u = record["udi"]
    for text in (f"Serial: {record['serial']}   status: {record['unit_status']}   on hold: {record['on_hold']}",
                 f"UDI (HRI): {u['hri']}", f"UDI data: {u['element_string_printable']}",
                 f"Routing {record['routing']['code']} v{record['routing']['version']}   BOM v{record['bom_version']}",
                 f"Started {_t(record['created_at'])}   completed {_t(record['unit_completed_at'])}"):
        pdf.line_text(text)
    pdf.section(labels["operations"])
    for op in record["operations"]:
        eq = op["equipment"]
        eq_text = f"{eq['code']} (calibration {eq['calibration_status']}, due {eq['calibration_due']})" if eq else "—"
        pdf.line_text(f"Op {op['seq']} {op['name']} @ {op['station']}, equipment {eq_text}, operator "
                      f"{op['operator'] or 'system'}; {_t(op['started_at'])} → {_t(op['completed_at'])}; result "
                      f"{op['result']}; retest {op['retest_count']}")
        for m in op["measurements"]:
            pdf.line_text(f"{m['name']} = {m['value']:g} {m['unit']}  limits [{m['low']} … {m['high']}]  "
                          f"{m['result'].upper()}{'  MANUAL' if m['manual'] else ''}", indent=6)
    _components(pdf, record, labels)
    _ncs_and_holds(pdf, record, labels)
    _signatures(pdf, record, labels)
    return bytes(pdf.output())


def batch_record_pdf(record: dict[str, Any], language: str = "en") -> bytes:
    """The PDF of build_batch_record()'s record."""
    labels = LABELS.get(language, LABELS["en"])
    pdf = _RecordPdf(f"{labels['batch']} — {record['work_order']}", _subtitle(record, labels), labels)
    pdf.add_page()
    pdf.section(labels["identity"])
    pdf.line_text(f"UDI-DI {record['udi']['udi_di']}   {record['udi']['hri']}   status {record['status']}   "
                  f"routing {record['routing']['code']} v{record['routing']['version']}   "
                  f"BOM v{record['bom_version']}")
    pdf.line_text(f"Created {_t(record['created_at'])}  released to floor {_t(record['released_to_floor_at'])}  "
                  f"completed {_t(record['completed_at'])}")
    pdf.section(labels["quantities"])
    pdf.line_text("   ".join(f"{k}: {v}" for k, v in record["quantities"].items()))
    pdf.section(labels["operations"])
    for op in record["operations"]:
        eq = ", ".join(f"{e['code']} ({e['calibration_status']})" for e in op["equipment"]) or "—"
        pdf.line_text(f"Op {op['seq']}: {op['records']} records, pass {op['pass']}, fail {op['fail']}, "
                      f"retests {op['retests']}; stations {', '.join(op['stations'])}; equipment {eq}; "
                      f"operators {', '.join(op['operators'])}")
    _components(pdf, record, labels)
    _ncs_and_holds(pdf, record, labels)
    pdf.section(f"{labels['exceptions']}: {len(record['exceptions'])}, open {record['open_exceptions']}")
    for e in record["exceptions"]:
        state = "OPEN" if e["open"] else f"closed — {e['reviewed_by'] or 'NC closed'}: {e['decision'] or ''}"
        pdf.line_text(f"[{e['kind']}] {e['key']} {e['serial'] or ''}: {e['detail']} — {state}")
    _signatures(pdf, record, labels)
    pdf.section(f"{labels['units']}: {len(record['units'])}")
    units = [f"{u['serial']} {u['status']}{' HOLD' if u['on_hold'] else ''}" for u in record["units"]]
    for start in range(0, len(units), 4):
        pdf.line_text("    ".join(units[start:start + 4]))
    return bytes(pdf.output())


def _components(pdf: _RecordPdf, record: dict[str, Any], labels: dict[str, str]) -> None:
    pdf.section(labels["components"])
    for c in record["components"] or [{"part_number": labels["none"]}]:
        pdf.line_text(" ".join(f"{k}: {v}" for k, v in c.items() if v is not None))


def _ncs_and_holds(pdf: _RecordPdf, record: dict[str, Any], labels: dict[str, str]) -> None:
    pdf.section(labels["ncs"])
    if not record["nonconformances"]:
        pdf.line_text(labels["none"])
    for nc in record["nonconformances"]:
        pdf.line_text(f"{nc['number']} ({nc['serial']}, {nc['source']}): {nc['description']} — {nc['status']}"
                      f"{', ' + nc['disposition'] if nc['disposition'] else ''}"
                      f"{'; justification: ' + nc['justification'] if nc['justification'] else ''}")
        for note in nc["notes"]:
            pdf.line_text(f"{_t(note['at'])} {note['author']}: {note['text']}", indent=6)
    pdf.section(labels["holds"])
    for h in record["holds"] or []:
        pdf.line_text(f"{h['entity']} {h['key']}: {h['reason']} — {h['held_by']} {_t(h['held_at'])}; released "
                      f"{h['released_by'] or '—'} {_t(h['released_at'])} {h['release_reason'] or ''}")
    if not record["holds"]:
        pdf.line_text(labels["none"])


def _signatures(pdf: _RecordPdf, record: dict[str, Any], labels: dict[str, str]) -> None:
    pdf.section(labels["signatures"])
    if not record["signatures"]:
        pdf.line_text(labels["none"])
    for sig in record["signatures"]:
        validity = "" if sig["valid"] is None else (labels["valid"] if sig["valid"] else labels["invalid"])
        pdf.line_text(f"{sig['manifestation']}   [{sig['entity']} {sig['entity_id']}]   {validity}")
        if sig["reason"]:
            pdf.line_text(f"reason: {sig['reason']}", indent=6)
