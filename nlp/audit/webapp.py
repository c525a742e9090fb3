"""`xxgk review`: the reviewers' web pages, served on this machine (127.0.0.1 by default).

On top of the review pages of `xxgk report` (served under /pages/): the list of findings with
filters (unit, year, level, district, rule, kind, decision), each finding with its cells
highlighted in the table laid out like the form, buttons to confirm, dismiss or undo, a form to
correct a cell (the printed value stays; the checks are shown for both), the letters (DOCX) and
the workbook (XLSX), the indicators, the coverage of a list of expected units, and the audit
trail with export and import of decisions. Everything is on the page: no script, style or font
is fetched from the network. Forms post to this server only: a request from another site's
page (another Origin) or for another host name is refused.

Starlette (with uvicorn and python-multipart): the optional `review` extra.
"""

from __future__ import annotations

import tempfile
from contextlib import closing, suppress
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlencode, urlsplit

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from nlp.audit.corrected import CheckPair, rechecked
from nlp.audit.coverage import coverage, coverage_table, parse_expected
from nlp.audit.decisions import DecisionStore, correction_id, read_exchange
from nlp.audit.findings import (
    Filters,
    Finding,
    choices,
    find,
    finding_text,
    listed,
    refresh,
    unit_of,
)
from nlp.audit.indicators import INDICATOR_BY_KEY, INDICATORS, shown, stored_districts, stored_values
from nlp.audit.letters import WORKBOOK_NAME, gather, write_docx, write_workbook
from nlp.audit.reviewdb import ReviewError, connect
from nlp.audit.rulebook import DECISION_NAMES, KIND_NAMES, RULES, STATUS_NAMES
from nlp.batch.output import REVIEW_FOLDER, REVIEW_MARKER, OutputError, output_lock
from nlp.batch.store import DB_NAME, ResultStore
from nlp.models import Report
from nlp.review.display import LEVEL_NAMES
from nlp.tables import template as tpl

WHO_COOKIE = "xxgk_who"
_FILTER_FIELDS = ("unit", "year", "level", "district", "rule", "kind", "status")


class SameOrigin:
    """Refuse a form posted from another site's page (a page on the internet cannot make the
    reviewer's browser decide here)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            headers = dict(scope["headers"])
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if origin and origin != "null" and urlsplit(origin).netloc != host:
                await Response("cross-site request refused", 403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [PackageLoader("nlp.audit", "templates"), PackageLoader("nlp.review", "templates")]
        ),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        LEVEL_NAMES=LEVEL_NAMES,
        KIND_NAMES=KIND_NAMES,
        DECISION_NAMES=DECISION_NAMES,
        RULES=RULES,
        INDICATORS=INDICATORS,
        shown=shown,
        root="/pages/",
        zip=zip,
    )
    env.filters["level_name"] = lambda v: LEVEL_NAMES.get(v, v or "未识别")
    env.filters["when"] = _local_time
    return env


def _local_time(stamp: str) -> str:
    """A stored UTC time as this machine's local time, to the second."""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return stamp


def cell_names(template: str) -> dict[str, str]:
    """'表四·行政复议·总计' for every cell key of the template (last year's under 'prev.')."""
    names = {}
    for key, spec in tpl.specs_for(template).items():
        row = f"{spec.group}{spec.row_label}" if spec.table == "t2" else spec.row_label
        names[key] = f"{tpl.TABLE_TITLES[spec.table].split()[0]}·{row}·{spec.column_label}"
        names[f"prev.{key}"] = f"上年·{names[key]}"
    return names


class Review:
    """The pages of one output folder."""

    def __init__(self, output: Path, who: str) -> None:
        self.output = output
        self.who = who
        self.env = _environment()

    # -- helpers -------------------------------------------------------------------------

    def current(self) -> None:
        """Findings and indicators as of the reports now in the database, and the review pages
        rewritten when they are stale (not while a run holds the folder)."""
        refresh(self.output)
        pages = self.output / REVIEW_FOLDER
        with closing(self.store()) as store:
            if (pages / "index.html").is_file() and store.pages_are_current(pages / REVIEW_MARKER):
                return
        from nlp.review.pages import write_review

        with suppress(OutputError), output_lock(self.output):
            write_review(self.output)

    def page(self, name: str, request: Request, **context: object) -> HTMLResponse:
        html = self.env.get_template(name).render(
            who=self.reviewer(request), generated=datetime.now().strftime("%Y-%m-%d %H:%M"), **context
        )
        return HTMLResponse(html)

    def reviewer(self, request: Request) -> str:
        return unquote(request.cookies.get(WHO_COOKIE, "")) or self.who

    def report(self, store: ResultStore, sha: str | None) -> Report | None:
        """The stored report, or None when it is gone (replaced by another content)."""
        if (
            sha is None
            or store.db.execute("SELECT 1 FROM reports WHERE sha256 = ?", (sha,)).fetchone() is None
        ):
            return None
        return Report.model_validate_json(store.document(sha))

    def store(self) -> ResultStore:
        return ResultStore(self.output / DB_NAME, readonly=True)

    @staticmethod
    def filters(request: Request) -> Filters:
        return Filters(**{f: request.query_params.get(f, "") for f in _FILTER_FIELDS})

    @staticmethod
    def query(filters: Filters) -> str:
        return urlencode({f: getattr(filters, f) for f in _FILTER_FIELDS if getattr(filters, f)})

    # -- the list ------------------------------------------------------------------------

    def index(self, request: Request) -> Response:
        self.current()
        filters = self.filters(request)
        with closing(connect(self.output)) as db:
            rows = listed(db, filters)
            everything = listed(db)
            options = choices(db)
        counts = {d: sum(1 for _, s in everything if s == d) for d in DECISION_NAMES}
        units = sorted({(f.unit, f.year or 0, f.report) for f, _ in everything})
        return self.page(
            "findings.html.j2",
            request,
            rows=rows,
            total=len(everything),
            counts=counts,
            options=options,
            filters=filters,
            query=self.query(filters),
            units=units,
            page="findings",
        )

    # -- one finding ---------------------------------------------------------------------

    def finding(self, request: Request) -> Response:
        self.current()
        filters = self.filters(request)
        with closing(connect(self.output)) as db:
            try:
                finding = find(db, request.path_params["id"])
            except ReviewError as exc:
                return HTMLResponse(str(exc), 404)
            decisions = DecisionStore(db)
            decision = decisions.decision(finding.id)
            order = [f.id for f, _ in listed(db, filters)]
            with closing(self.store()) as store:
                report, earlier = self.report(store, finding.report), self.report(store, finding.earlier)
            if report is None:
                return HTMLResponse("the report of this finding is no longer stored; reload the list", 404)
            corrections = decisions.corrections(finding.unit, finding.year)
            earlier_corrections = []
            if earlier is not None:
                earlier_unit = unit_of(earlier.meta.organ, earlier.source.path)
                earlier_corrections = decisions.corrections(earlier_unit, earlier.meta.year)
            targets = [finding.id, *(c.id for c in corrections), *(c.id for c in earlier_corrections)]
            history = decisions.log(targets)
        cross_year = []
        if finding.rule.startswith("X") and earlier is not None:
            from nlp.checks.compare import compare_reports

            cross_year = compare_reports(earlier, report).checks
        pairs = rechecked(report, corrections, earlier, earlier_corrections, cross_year)
        position = order.index(finding.id) if finding.id in order else None
        neighbours = {
            "previous": order[position - 1] if position else None,
            "next": order[position + 1] if position is not None and position + 1 < len(order) else None,
        }
        return self.page(
            "finding.html.j2",
            request,
            finding=finding,
            decision=decision,
            text=finding_text(finding, report, earlier),
            report=report,
            earlier=earlier,
            tables=_tables(finding, report, earlier, corrections, earlier_corrections),
            pairs=_pair_views(pairs, report, earlier, corrections, earlier_corrections),
            cell_options=_cell_options(finding, report),
            cell_names=cell_names(report.meta.template),
            corrections=[*corrections, *earlier_corrections],
            history=history,
            neighbours=neighbours,
            position=position,
            listed_count=len(order),
            query=self.query(filters),
            message=request.query_params.get("message", ""),
            page="finding",
        )

    async def decide(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        who = form.get("who", "").strip() or self.reviewer(request)
        return await run_in_threadpool(self._decide, request.path_params["id"], form, who)

    def _decide(self, reference: str, form: dict[str, str], who: str) -> Response:
        action, back = form.get("action", ""), form.get("back", "")
        with closing(connect(self.output)) as db:
            try:
                finding = find(db, reference)
            except ReviewError as exc:
                return HTMLResponse(str(exc), 404)
            try:
                decisions = DecisionStore(db)
                if action == "undo":
                    decisions.undo(finding.id, who)
                    message = "已撤销上一次的审核"
                elif action in ("confirmed", "dismissed"):
                    decisions.decide(finding.id, finding.identity, action, who, form.get("note", ""))
                    message = DECISION_NAMES[action]
                else:
                    return HTMLResponse(f"unknown action {action!r}", 400)
            except ReviewError as exc:
                message = f"未完成：{exc}"
        return _back(f"/finding/{finding.id}", back, message, who)

    async def correct(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        who = form.get("who", "").strip() or self.reviewer(request)
        return await run_in_threadpool(self._correct, request.path_params["id"], form, who)

    def _correct(self, reference: str, form: dict[str, str], who: str) -> Response:
        back = form.get("back", "")
        with closing(connect(self.output)) as db:
            try:
                finding = find(db, reference)
            except ReviewError as exc:
                return HTMLResponse(str(exc), 404)
            decisions = DecisionStore(db)
            key = form.get("cell", "").strip()
            with closing(self.store()) as store:
                report, earlier = self.report(store, finding.report), self.report(store, finding.earlier)
            target, key = (earlier, key.removeprefix("prev.")) if key.startswith("prev.") else (report, key)
            try:
                if target is None or key not in target.cells:
                    raise ReviewError(f"no cell {key!r} in this report")
                unit, year = unit_of(target.meta.organ, target.source.path), target.meta.year
                if form.get("action") == "undo":
                    decisions.undo(correction_id(unit, year, key), who)
                    message = "已撤销更正"
                else:
                    value = _parse_value(form.get("value", ""))
                    cell = target.cells[key]
                    printed = cell.raw if cell.raw is not None else None
                    decisions.correct(unit, year, key, value, printed, who, form.get("note", ""))
                    message = "已更正"
            except ReviewError as exc:
                message = f"未完成：{exc}"
        return _back(f"/finding/{finding.id}", back, message, who)

    # -- letters -------------------------------------------------------------------------

    def letter(self, request: Request) -> Response:
        self.current()
        sha = request.path_params["sha"]
        with closing(connect(self.output)) as db, closing(self.store()) as store:
            try:
                letters = gather(db, store, report=sha)
            except ReviewError as exc:
                return HTMLResponse(str(exc), 404)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / letters[0].file_name()
                write_docx(letters[0], path)
                data = path.read_bytes()
        return _download(
            data,
            letters[0].file_name(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )

    def workbook(self, request: Request) -> Response:
        self.current()
        with (
            closing(connect(self.output)) as db,
            closing(self.store()) as store,
            tempfile.TemporaryDirectory() as folder,
        ):
            path = Path(folder) / WORKBOOK_NAME
            try:
                write_workbook(gather(db, store), path)
            except ReviewError as exc:
                return HTMLResponse(str(exc), 500)
            data = path.read_bytes()
        return _download(
            data, WORKBOOK_NAME, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    # -- indicators, coverage, log --------------------------------------------------------

    def indicators(self, request: Request) -> Response:
        self.current()
        with closing(connect(self.output)) as db:
            values = stored_values(db)
            districts = stored_districts(db)
        reports: dict[tuple, dict] = {}
        for v in values:
            row = reports.setdefault(
                (v.unit, v.year), {"unit": v.unit, "year": v.year, "level": v.level, "district": v.district}
            )
            row[v.indicator] = v
        by_district: dict[tuple, dict] = {}
        for d in districts:
            row = by_district.setdefault((d.district, d.year), {"district": d.district, "year": d.year})
            row[d.indicator] = d
        return self.page(
            "indicators.html.j2",
            request,
            reports=list(reports.values()),
            districts=sorted(by_district.values(), key=lambda r: (r["district"] or "\uffff", r["year"] or 0)),
            INDICATOR_BY_KEY=INDICATOR_BY_KEY,
            page="indicators",
        )

    async def coverage(self, request: Request) -> Response:
        result = header = rows = None
        error = ""
        year = ""
        if request.method == "POST":
            form = await request.form()
            year = str(form.get("year", "")).strip()
            upload = form.get("expected")
            try:
                if not year.isdigit():
                    raise ReviewError("请填写年度（如 2024）")
                if not isinstance(upload, UploadFile) or not upload.filename:
                    raise ReviewError("请选择应报送单位名单（CSV）")
                expected = parse_expected(await upload.read(), upload.filename)
                with closing(self.store()) as store:
                    result = coverage(store.db, expected, int(year))
                header, rows = coverage_table(result)
                if form.get("download"):
                    return _download(
                        _csv(header, rows).encode("utf-8"), f"coverage_{year}.csv", "text/csv; charset=utf-8"
                    )
            except ReviewError as exc:
                error = str(exc)
        return self.page(
            "coverage.html.j2",
            request,
            result=result,
            header=header,
            rows=rows,
            error=error,
            year=year,
            page="coverage",
        )

    def log(self, request: Request) -> Response:
        with closing(connect(self.output)) as db:
            entries = DecisionStore(db).log()
        return self.page(
            "log.html.j2",
            request,
            entries=list(reversed(entries)),
            message=request.query_params.get("message", ""),
            page="log",
        )

    def export(self, request: Request) -> Response:
        with closing(connect(self.output)) as db:
            data = DecisionStore(db).export().model_dump_json(indent=2)
        return _download(data.encode("utf-8"), "decisions.json", "application/json")

    async def import_decisions(self, request: Request) -> Response:
        form = await request.form()
        upload = form.get("decisions")
        who = str(form.get("who", "")).strip() or self.reviewer(request)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _back("/log", "", "请选择要导入的审核记录文件（JSON）", who)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "decisions.json"
            path.write_bytes(await upload.read())
            try:
                exchange = read_exchange(path)
            except ReviewError as exc:
                return _back("/log", "", f"未导入：{str(exc).replace(str(path), upload.filename)}", who)
        summary = await run_in_threadpool(self._merge, exchange, who)
        message = f"已导入：采用 {summary.taken} 条，保留本机较新的 {summary.kept} 条，相同 {summary.same} 条"
        return _back("/log", "", message, who)

    def _merge(self, exchange, who: str):
        with closing(connect(self.output)) as db:
            return DecisionStore(db).merge(exchange, who)


def _parse_value(text: str) -> float:
    text = text.strip().replace(",", "").replace("，", "")
    try:
        return float(text)
    except ValueError:
        raise ReviewError(f"更正值应为数字：{text!r}") from None


def _csv(header: list[str], rows: list[list[str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()


def _back(path: str, query: str, message: str, who: str) -> Response:
    params = "&".join(p for p in (query, urlencode({"message": message})) if p)
    response = RedirectResponse(f"{path}?{params}", status_code=303)
    response.set_cookie(WHO_COOKIE, quote(who), samesite="strict", httponly=True)
    return response


def _download(data: bytes, name: str, media: str) -> Response:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


# ---------------------------------------------------------------- view records


def _tables(
    finding: Finding, report: Report, earlier: Report | None, corrections, earlier_corrections
) -> list:
    """The tables that hold the finding's cells, laid out like the form, its cells marked and
    corrected cells showing both values (for X, this year's table and last year's)."""
    from nlp.review.pages import report_tables

    if finding.rule == "M2":  # the table is not in the report: nothing to lay out
        return []
    wanted = {c.removeprefix("prev.").split(".")[0] for c in finding.cells}
    sources = [("本年", report, corrections, "")]
    if earlier is not None and any(c.startswith("prev.") for c in finding.cells):
        sources.append(("上年", earlier, earlier_corrections, "prev."))
    laid_out = []
    for which, source, fixes, prefix in sources:
        marked = {c.removeprefix(prefix) for c in finding.cells if c.startswith("prev.") == bool(prefix)}
        values = {c.cell: c for c in fixes if c.active}
        for table in report_tables(source):
            if table.key not in wanted:
                continue
            for row in table.rows:
                for cell in row:
                    if cell.header or not cell.key:
                        continue
                    if cell.key in marked:
                        cell.classes.append("finding")
                    fixed = values.get(cell.key)
                    if fixed is not None:
                        cell.text = f"{cell.text or '空'} → {fixed.value:g}"
                        cell.classes.append("corrected")
                        cell.tip += f"\n审核更正为 {fixed.value:g}（{fixed.who}）"
                    cell.key = prefix + cell.key
            title = (
                table.title
                if len(sources) == 1
                else f"{which}报告（{source.meta.year or '年度未识别'}）· {table.title}"
            )
            laid_out.append((title, table))
    return laid_out


def _check_view(check, cells, specs) -> dict:
    from nlp.review.pages import written_equation

    return {
        "status": check.status,
        "name": STATUS_NAMES[check.status],
        "text": written_equation(check, cells, specs),
    }


def _pair_views(
    pairs: list[CheckPair], report: Report, earlier: Report | None, corrections, earlier_corrections
) -> list[dict]:
    """Each check that uses a corrected cell, written out on the printed and on the corrected cells."""
    from nlp.audit.corrected import corrected_cells
    from nlp.audit.findings import joined_cells

    specs = tpl.specs_for(report.meta.template)
    printed = joined_cells(report, earlier)
    fixed = corrected_cells(report, corrections)
    if earlier is not None:
        fixed.update(corrected_cells(earlier, earlier_corrections, "prev."))
    return [
        {
            "id": pair.printed.id,
            "title": RULES[pair.printed.rule].title if pair.printed.rule in RULES else pair.printed.rule,
            "printed": _check_view(pair.printed, printed, specs),
            "corrected": _check_view(pair.corrected, fixed, specs),
        }
        for pair in pairs
    ]


def _cell_options(finding: Finding, report: Report) -> list[tuple[str, str]]:
    """The cells of the finding, which a reviewer may correct from its page (any other cell of
    the tables shown is added by clicking it)."""
    names = cell_names(report.meta.template)
    return [(key, names[key]) for key in finding.cells if key in names]


def create_app(output: Path, who: str, host: str = "127.0.0.1") -> Starlette:
    review = Review(output, who)
    hosts = ["*"] if host in ("0.0.0.0", "::") else ["127.0.0.1", "localhost", "[::1]", host]
    routes = [
        Route("/", review.index),
        Route("/finding/{id}", review.finding),
        Route("/finding/{id}/decide", review.decide, methods=["POST"]),
        Route("/finding/{id}/correct", review.correct, methods=["POST"]),
        Route("/letter/{sha}.docx", review.letter),
        Route("/letters.xlsx", review.workbook),
        Route("/indicators", review.indicators),
        Route("/coverage", review.coverage, methods=["GET", "POST"]),
        Route("/log", review.log),
        Route("/decisions.json", review.export),
        Route("/decisions/import", review.import_decisions, methods=["POST"]),
        Mount("/pages", StaticFiles(directory=output / REVIEW_FOLDER, html=True, check_dir=False)),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts), Middleware(SameOrigin)],
    )
