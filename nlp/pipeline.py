"""The pipeline: read → structure → tables → checks, one function per report."""

from __future__ import annotations

from pathlib import Path

from nlp.checks import table_checks
from nlp.claims import extract_claims, narrative_checks, plausibility_checks
from nlp.errors import NotAReport
from nlp.ingest import read_document
from nlp.meta import level_of, organ_from_text, organ_from_title, region_of, year_of
from nlp.models import Meta, RawDocument, Report, SourceInfo
from nlp.structure import find_paragraphs, find_sections
from nlp.tables import extract_tables

# A document is taken for an annual report when it has some of the template's parts.
_MIN_SECTIONS_WITHOUT_TABLES = 2


def analyze_document(doc: RawDocument) -> Report:
    """Structure, tables and checks of one document that has been read."""
    sections = find_sections(doc.blocks)
    paragraphs, title = find_paragraphs(doc.blocks, sections)
    extracted = extract_tables(doc.blocks)
    found_tables = [t for t, status in extracted.tables.items() if status != "absent"]
    if not found_tables and len(sections) < _MIN_SECTIONS_WITHOUT_TABLES:
        raise NotAReport(
            doc.path,
            "not a government information-disclosure annual report "
            "(none of its section titles or tables were found)",
            stage="structure",
        )
    text = "\n".join(b.text for b in doc.blocks if b.kind == "text")
    organ = organ_from_title(title) or organ_from_text(text)
    level = level_of(organ)
    version = extracted.version
    if version is None:
        mixed = all(extracted.signals.values())
        template = "mixed" if mixed else "unknown"
    else:
        template = version
    meta = Meta(
        title=title,
        organ=organ,
        level=level,
        region=region_of(organ, text),
        year=year_of(title, text),
        template=template,
        template_signals={k: v for k, v in extracted.signals.items() if v},
    )
    claims = extract_claims(paragraphs)
    section6 = " ".join(p.text for p in paragraphs if p.section == "s6_other")
    checks = table_checks(extracted.cells)
    checks += narrative_checks(extracted.cells, claims)
    checks += plausibility_checks(extracted.cells, claims, level, section6)
    warnings = list(doc.warnings) + extracted.warnings
    missing_sections = [
        key
        for key in (
            "s1_overview",
            "s2_proactive",
            "s3_requests",
            "s4_review_litigation",
            "s5_problems",
            "s6_other",
        )
        if key not in {s.key for s in sections}
    ]
    if missing_sections:
        warnings.append("sections_not_found: " + ", ".join(missing_sections))
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
        warnings=warnings,
    )


def analyze_file(path: str | Path) -> Report:
    """Read and analyse one file; raises InputError with the file and the problem."""
    return analyze_document(read_document(path))
