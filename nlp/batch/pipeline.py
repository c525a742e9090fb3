"""The pipeline: read → structure → tables → checks → classify, one function per report."""

from __future__ import annotations

from pathlib import Path

from nlp.checks.claims import extract_claims, narrative_checks, plausibility_checks, stated_cells
from nlp.checks.identities import table_checks
from nlp.checks.ocr_checks import judge_ocr_cells
from nlp.classify.items import report_items
from nlp.classify.model import classify, default_model
from nlp.errors import NotAReport
from nlp.models import RawDocument, Report, SourceInfo
from nlp.read.document import read_document
from nlp.read.files import Limits
from nlp.structure.meta import describe
from nlp.structure.sections import legacy_format_signals, read_structure
from nlp.tables import template as tpl
from nlp.tables.extract import extract_tables

# A document is taken for an annual report when it has some of the template's parts.
_MIN_SECTIONS_WITHOUT_TABLES = 2
PRE2019_MESSAGE = "pre2019_format: annual report in the pre-2019 format: tables not read"


def analyze_document(doc: RawDocument) -> Report:
    """Structure, tables and checks of one document that has been read."""
    sections, paragraphs, title, signoff = read_structure(doc.blocks)
    claims = extract_claims(paragraphs)
    extracted = extract_tables(doc.blocks, sections, stated_cells(claims))
    found_tables = [t for t, status in extracted.tables.items() if status != "absent"]
    meta = describe(doc.blocks, title, extracted.version, extracted.signals)
    filled = [t for t, status in extracted.tables.items() if status == "filled"]
    legacy = [] if filled else legacy_format_signals(doc.blocks, meta.year, sections, title)
    if not found_tables and not legacy and len(sections) < _MIN_SECTIONS_WITHOUT_TABLES:
        raise NotAReport(
            doc.path,
            "not a government information-disclosure annual report "
            "(none of its section titles or tables were found)",
            stage="structure",
        )
    warnings = list(doc.warnings)
    if legacy:
        # Its 统计表 is not one of the template's tables: no cell is read, nothing checked.
        meta = meta.model_copy(update={"template": "pre2019", "template_signals": {"pre2019": legacy}})
        extracted.cells, checks = {}, []
        extracted.tables = dict.fromkeys(extracted.tables, "absent")
        warnings.append(f"{PRE2019_MESSAGE} ({'; '.join(legacy)})")
    else:
        section6 = " ".join(p.text for p in paragraphs if p.section == "s6_other")
        checks = table_checks(extracted.cells, extracted.tables)
        checks += narrative_checks(extracted.cells, claims)
        checks += plausibility_checks(extracted.cells, claims, meta.level, meta.organ, section6)
        warnings += extracted.warnings + judge_ocr_cells(extracted.cells, checks)
    model = default_model()
    if model is None:
        warnings.append("classifier_not_trained: run `xxgk train` to label paragraphs")
    else:
        paragraphs = classify(model, paragraphs)
    found = {s.key for s in sections}
    missing_sections = [spec.key for spec in tpl.SECTIONS if spec.key not in found]
    if missing_sections:
        warnings.append("sections_not_found: " + ", ".join(missing_sections))
    untitled = [s.key for s in sections if s.untitled]
    if untitled:
        warnings.append(
            "section_titles_not_found: "
            + ", ".join(untitled)
            + " (found by their first sub-heading or their table)"
        )
    for name, status in extracted.tables.items():
        if status == "not_filled":
            warnings.append(f"table_not_filled: {name}")
    return Report(
        source=SourceInfo(
            path=doc.path,
            format=doc.format,
            sha256=doc.sha256,
            encoding=doc.encoding,
            pages=doc.pages,
        ),
        meta=meta,
        sections=sections,
        paragraphs=paragraphs,
        tables=extracted.tables,
        cells=extracted.cells,
        checks=checks,
        items=report_items(paragraphs),
        signoff=signoff,
        alternatives=extracted.alternatives,
        warnings=warnings,
    )


def analyze_file(path: str | Path, limits: Limits | None = None) -> Report:
    """Read and analyse one file within the limits; raises InputError with the file and the problem."""
    return analyze_document(read_document(path, limits))
