"""The prose claims (nlp/checks/claims.py) on sentences of the shapes real reports use, written for
these tests: each sentence gives exactly the claims listed — a number belongs to the noun phrase
it is written with, 、 ； and commas end a claim, and a count of a part, of another year or of
something the tables do not count claims nothing."""

from __future__ import annotations

import pytest

from nlp.checks.claims import Claim, extract_claims, narrative_checks, stated_cells
from nlp.models import Cell, Paragraph


def _claims(text: str) -> set[tuple[str, int, str]]:
    return {
        (c.quantity, c.value, c.subject)
        for c in extract_claims([Paragraph(text=text, section="s1_overview")])
    }


N, R = "normative_docs", "regulations"

# (sentence, every claim it makes)
SENTENCES: list[tuple[str, set[tuple[str, int, str]]]] = [
    # --- requests received: verb, optional 共, the request phrase, the count
    ("2023年，我局共收到政府信息公开申请12件。", {("received", 12, "")}),
    ("全年新收到依申请公开政府信息41件。", {("received", 41, "")}),
    ("本年度共受理依申请公开事项3件，均已按期答复。", {("received", 3, "")}),
    ("我镇共收到依申请信息公开26件。", {("received", 26, "")}),
    ("2024年共接到依申请公开办件0件。", {("received", 0, "")}),
    ("2022年度区住建局受理信息公开申请件9件。", {("received", 9, "")}),
    ("全年收到政府信息依申请公开18件次。", {("received", 18, "")}),
    # the number first
    ("本年度全县共收到56件申请，均在法定期限内答复。", {("received", 56, "")}),
    ("2021年我委受理2项依申请公开事项。", {("received", 2, "")}),
    ("街道办事处共受理15件政府信息公开申请（均为自然人提交）。", {("received", 15, "")}),
    # received, handled, carried over and forward in one sentence
    (
        "全年共收到政府信息公开申请88件，上年结转4件，依法办结85件，结转下年度继续办理7件。",
        {("received", 88, ""), ("carried_over", 4, ""), ("handled", 85, ""), ("carried_forward", 7, "")},
    ),
    (
        "答复政府信息公开申请310件（含上年度结转申请12件，另有9件申请按照《条例》顺延到下年度答复）。",
        {("handled", 310, ""), ("carried_over", 12, ""), ("carried_forward", 9, "")},
    ),
    (
        "本年度新收政府信息公开申请20件，结转上年度政府信息公开申请3件。",
        {("received", 20, ""), ("carried_over", 3, "")},
    ),
    (
        "收到依申请公开信息共40件，完成38件（结转至下年度办理2件）。",
        {("received", 40, ""), ("handled", 38, ""), ("carried_forward", 2, "")},
    ),
    ("另有5件申请转结下年度继续办理。", {("carried_forward", 5, "")}),
    ("另有5件转结下年度继续办理。", set()),  # nothing counted before: 5 of what?
    ("全年受理申请30件，另有5件申请转结下年度继续办理。", {("received", 30, ""), ("carried_forward", 5, "")}),
    ("共收到信息公开申请9件，已答复9件。", {("received", 9, ""), ("handled", 9, "")}),
    # 办理 / 处理: the year's workload
    ("全年共办理政府信息公开申请64件。", {("worked", 64, "")}),
    (
        "全年共处理政府信息公开申请120件（含上年度结转申请6件），答复113件。",
        {("worked", 120, ""), ("carried_over", 6, ""), ("handled", 113, "")},
    ),
    # a count whose noun is left out continues the last thing counted, when it is only a verb
    (
        "全年受理政府信息公开申请17件。已办理15件，结转下年度继续办理2件。",
        {("received", 17, ""), ("worked", 15, ""), ("carried_forward", 2, "")},
    ),
    ("县长信箱共受理来信34件，已办结34件。", set()),
    ("受理网站留言咨询投诉210件，办结210件，办结率100%。", set()),
    ("共受理政府信息公开申请8件；办理12345热线工单172件。", {("received", 8, "")}),
    ("公开建议提案办理答复14件。", set()),
    # two things at once, or a part of the whole
    ("共受理答复政府信息公开申请12件。", set()),
    ("全年收到和办理政府信息公开申请3件。", set()),
    ("受理线上信息公开申请65件，受理线下信息公开申请9件。", set()),
    ("共受理政府信息公开申请95件，其中自然人申请89件，法人或其他组织申请6件。", {("received", 95, "")}),
    ("全年共受理申请251件，其中网站申请181件、当面申请44件、信函申请26件。", {("received", 251, "")}),
    ("协助办理区政府依申请公开6件。", set()),
    ("按时办结数517件，延期办结8件。", set()),
    ("同意公开答复9件，不予受理4件。", set()),
    # another year
    ("共受理政府信息公开申请48件，较上年增加6件。", {("received", 48, "")}),
    ("上年度受理政府信息公开申请42件。", set()),
    ("其中结转2023年29件。", set()),  # 结转 with a year: which way is not written
    # --- review and lawsuits: a number belongs to the phrase written with it
    ("行政诉讼案件1件、行政复议案件2件。", {("lawsuit", 1, ""), ("review", 2, "")}),
    ("行政复议案件2件、行政诉讼案件7件。", {("review", 2, ""), ("lawsuit", 7, "")}),
    ("因政府信息公开引起的行政复议3件，行政诉讼1件。", {("review", 3, ""), ("lawsuit", 1, "")}),
    ("产生行政复议13件和行政诉讼1件。", {("review", 13, ""), ("lawsuit", 1, "")}),
    ("信息公开类行政复议7件，诉讼9件，均获维持。", {("review", 7, ""), ("lawsuit", 9, "")}),
    ("2024年本局有1件涉及政府信息公开工作的行政复议。", {("review", 1, "")}),
    ("2020年被申请行政复议2起，被提起行政诉讼1起。", {("review", 2, ""), ("lawsuit", 1, "")}),
    ("涉及的行政诉讼数为0件。", {("lawsuit", 0, "")}),
    ("因政府信息公开申请引起的行政复议1件。", {("review", 1, "")}),  # the request phrase is the cause
    # joined before one count: together
    ("涉行政复议、行政诉讼案件74件，结果维持40件。", {("cases", 74, "")}),
    ("因政府信息公开被申请行政复议、行政诉讼数量为0件。", {("review", 0, ""), ("lawsuit", 0, "")}),
    ("行政复议和行政诉讼案件0件。", {("review", 0, ""), ("lawsuit", 0, "")}),
    # parts of the cases
    (
        "行政复议192件，行政诉讼73件，其中：140件行政复议、49件行政诉讼获维持，8件行政复议结果纠正。",
        {("review", 192, ""), ("lawsuit", 73, "")},
    ),
    ("发生行政复议4件，其中3件维持，1件尚未审结。", {("review", 4, "")}),
    ("行政复议2件和复议后提起行政诉讼1件。", {("review", 2, "")}),
    ("结果维持的行政复议3件。", set()),
    # --- 表二 第二十条第（一）项
    ("动态更新本年度制发的规范性文件88件。", {("issued", 88, N)}),
    ("现行有效行政规范性文件698件。", {("in_force", 698, N)}),
    (
        "全年制发规范性文件0件，废止0件，现行有效1件。",
        {("issued", 0, N), ("repealed", 0, N), ("in_force", 1, N)},
    ),
    (
        "制发行政规范性文件2件，废止行政规范性文件10件，现行有效件数14件。",
        {("issued", 2, N), ("repealed", 10, N), ("in_force", 14, N)},
    ),
    (
        "2023年，行政规范性文件制发件数0件，废止件数0件，现行有效件数0件。",
        {("issued", 0, N), ("repealed", 0, N), ("in_force", 0, N)},
    ),
    ("共印发县政府规范性文件5份。", {("issued", 5, N)}),
    ("全年共制发6份局本级规范性文件。", {("issued", 6, N)}),
    ("公开新制定规范性文件9件，并全部开展政策解读。", {("issued", 9, N)}),
    ("出台市政府规章2部，现行有效规章57部。", {("issued", 2, R), ("in_force", 57, R)}),
    ("2024年以来现行有效的行政规范性文件0件。", {("in_force", 0, N)}),
    ("发布行政规范性文件7件，废止0件，现行有效文件30件。", {("repealed", 0, N), ("in_force", 30, N)}),
    ("公开规章148部、行政规范性文件463件。", set()),  # published, not made or in force
    ("惠企政策平台发布91条现行有效的惠企政策。", set()),
    ("宣布失效规范性文件3件。", {("repealed", 3, N)}),
    # --- denials
    ("本年度我镇未收到政府信息公开申请。", {("no_request", 0, "")}),
    ("2023年度我局没有收到依申请公开的申请。", {("no_request", 0, "")}),
    ("全年无依申请公开事项。", {("no_request", 0, "")}),
    ("未发生因政府信息公开被申请行政复议、提起行政诉讼的情况。", {("no_case", 0, "lawsuit,review")}),
    ("未引起行政复议，也未引起行政诉讼。", {("no_case", 0, "review"), ("no_case", 0, "lawsuit")}),
    (
        "收到因政府信息公开引起的行政复议1件（已办结），未收到因政府信息公开引起的行政诉讼。",
        {("review", 1, ""), ("no_case", 0, "lawsuit")},
    ),
    ("全年未收到依申请公开事项，无行政诉讼案件。", {("no_request", 0, ""), ("no_case", 0, "lawsuit")}),
    ("我局无政府信息公开申请行政复议、提起行政诉讼的案件发生。", {("no_case", 0, "lawsuit,review")}),
    ("未发生被行政复议纠错或行政诉讼败诉的情况。", set()),
    ("因此未发生与诉讼（行政复议、行政诉讼及申诉）有关的费用。", set()),
    ("尚未审结的行政复议1件。", set()),  # the pending ones: a part, and no denial
    ("未收到行政复议申请。", {("no_case", 0, "review")}),
    # --- nothing the tables count
    ("全年主动公开政府信息1200条，答复率100%。", set()),
    ("收到感谢信2封。", set()),
    ("2020年，我委共收到市政府公开电子信箱交办件35件，办结35件。", set()),
    ("全年办理人大代表建议12件、政协提案8件。", set()),
    ("召开新闻发布会6场，发布政策解读信息7条。", set()),
    # --- more shapes of the same claims
    ("截至2024年12月31日，我局累计共受理政府信息公开申请5件。", {("received", 5, "")}),
    ("2019年依申请公开共受理2件，均按时办结。", {("received", 2, "")}),
    (
        "2024年，街道收到依申请公开6件，结转上年9件，答复申请共15件，撤销申请0件。",
        {("received", 6, ""), ("carried_over", 9, ""), ("handled", 15, "")},
    ),
    (
        "全年共收到政府信息公开申请27件，上年结转5件，17件结转下年办理。",
        {("received", 27, ""), ("carried_over", 5, ""), ("carried_forward", 17, "")},
    ),
    (
        "答复政府信息公开申请64件（含上年度结转申请4件），均在法定期限内予以答复。",
        {("handled", 64, ""), ("carried_over", 4, "")},
    ),
    (
        "今年，受理政府信息公开申请1416件，在法定期限内答复1336件（结转到2025年80件）。",
        {("received", 1416, ""), ("handled", 1336, "")},
    ),
    (
        "本年度共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理。",
        {("received", 70, ""), ("handled", 69, ""), ("carried_forward", 1, "")},
    ),
    ("因政府信息公开申请引发行政复议、行政诉讼0件。", {("review", 0, ""), ("lawsuit", 0, "")}),
    ("依申请公开3次，行政复议0次，行政诉讼0次。", {("review", 0, ""), ("lawsuit", 0, "")}),
    ("收到行政诉讼202件，结果维持26件，结果纠正101件。", {("lawsuit", 202, "")}),
    ("2021年未制定行政法规、规章和规范性文件，现行有效规范性文件1件。", {("in_force", 1, N)}),
    ("集中公开全区现行有效规章207部。", {("in_force", 207, R)}),
    ("经清理，已宣布废止规范性文件5件，拟适时修改3件。", {("repealed", 5, N)}),
    ("制定并公开行政规范性文件，较上年增加3件。", set()),
    ("没有因政府信息公开引起行政复议或者行政起诉的案例发生。", {("no_case", 0, "lawsuit,review")}),
    (
        "我室本年度未收到任何形式的依申请公开信息、行政复议和行政诉讼。",
        {("no_request", 0, ""), ("no_case", 0, "lawsuit,review")},
    ),
    ("未收到和处理政府信息公开申请。", {("no_request", 0, "")}),
]


@pytest.mark.parametrize(("sentence", "expected"), SENTENCES, ids=[s[:24] for s, _ in SENTENCES])
def test_each_sentence_makes_exactly_its_claims(sentence, expected):
    assert _claims(sentence) == expected


def test_a_claim_never_reaches_over_an_enumeration_comma():
    # 诉讼 1 and 复议 2: the first count is the lawsuits', never the review cases'.
    claims = extract_claims([Paragraph(text="行政诉讼案件1件、行政复议案件2件。", section=None)])
    cells = {
        "t4.review.total": Cell(value=2, raw="2", status="explicit_number"),
        "t4.suit_direct.total": Cell(value=1, raw="1", status="explicit_number"),
        "t4.suit_after_review.total": Cell(value=0, raw="0", status="explicit_zero"),
    }
    assert {c.id: c.status for c in narrative_checks(cells, claims)} == {"N3": "pass", "N4": "pass"}


def _cell(value: int) -> Cell:
    return Cell(value=value, raw=str(value), status="explicit_zero" if value == 0 else "explicit_number")


def test_documents_in_force_are_checked_against_table_two():
    claims = [Claim("in_force", 393, "现行有效行政规范性文件393件。", N)]
    cells = {"t2.art20_1.normative_docs.in_force": _cell(470)}
    (result,) = narrative_checks(cells, claims)
    assert (result.id, result.status, result.lhs, result.rhs) == ("N7.normative_docs", "fail", 470, 393)
    assert narrative_checks({"t2.art20_1.normative_docs.in_force": _cell(393)}, claims)[0].status == "pass"


def test_a_v2019_table_has_no_in_force_column_to_check():
    claims = [Claim("in_force", 12, "现行有效规范性文件12件。", N)]
    assert narrative_checks({"t2.art20_1.normative_docs.total_published": _cell(12)}, claims) == []


def test_issued_is_checked_against_the_column_of_the_reports_template():
    claims = [Claim("issued", 3, "制发规范性文件3件。", N)]
    v2019 = narrative_checks({"t2.art20_1.normative_docs.new_made": _cell(3)}, claims)
    assert [(r.id, r.status, r.cells) for r in v2019] == [
        ("N8.normative_docs", "pass", ["t2.art20_1.normative_docs.new_made"])
    ]


def test_the_workload_may_count_the_requests_still_open():
    # 办理120件 = 答复113 + 结转下年度7
    claims = [Claim("worked", 120, "全年共办理政府信息公开申请120件。")]
    cells = {"t3.result_total.total": _cell(113), "t3.carried_forward.total": _cell(7)}
    assert narrative_checks(cells, claims)[0].status == "pass"
    assert narrative_checks({**cells, "t3.carried_forward.total": _cell(2)}, claims)[0].status == "fail"


def test_a_denial_is_checked_for_the_cases_it_denies_only():
    claims = extract_claims([Paragraph(text="收到行政复议1件，未收到行政诉讼。", section=None)])
    cells = {
        "t4.review.total": _cell(1),
        "t4.suit_direct.total": _cell(0),
        "t4.suit_after_review.total": _cell(0),
    }
    statuses = {c.id: (c.status, c.cells) for c in narrative_checks(cells, claims)}
    assert statuses["N5"] == ("pass", ["t4.suit_direct.total", "t4.suit_after_review.total"])
    assert statuses["N3"][0] == "pass"


def test_stated_figures_name_the_cells_they_fix():
    claims = extract_claims(
        [
            Paragraph(
                text="制发行政规范性文件62件，废止3件，现行有效件数440件。上年结转申请2件。", section=None
            )
        ]
    )
    assert stated_cells(claims) == {
        "t2.art20_1.normative_docs.issued": 62,
        "t2.art20_1.normative_docs.new_made": 62,
        "t2.art20_1.normative_docs.repealed": 3,
        "t2.art20_1.normative_docs.in_force": 440,
        "t3.carried_over.total": 2,
    }


def test_no_false_alarm_from_the_prose_of_the_shared_pages(shared):
    """Every page of ../shared/corpus: the prose checks that fail are the true disagreements
    read by hand (docs/checks.md) — one page, whose prose says 受理2件 where 表三 counts 3."""
    import json

    from nlp.read.document import simplified_blocks
    from nlp.read.text import text_blocks
    from nlp.structure.sections import read_structure
    from nlp.tables.extract import extract_tables

    failed, checked = [], 0
    for name in ("pages.jsonl", "excerpts.jsonl"):
        for line in (shared / "corpus" / name).open(encoding="utf-8"):
            record = json.loads(line)
            blocks, _ = simplified_blocks(text_blocks(record["text"]))
            sections, paragraphs, _, _ = read_structure(blocks)
            claims = extract_claims(paragraphs)
            cells = extract_tables(blocks, sections, stated_cells(claims)).cells
            for check in narrative_checks(cells, claims):
                checked += check.status != "not_assessable"
                if check.status == "fail":
                    failed.append((record["url"].rsplit("/", 1)[-1], check.id, check.lhs, check.rhs))
    assert failed == [("t20240115_3271106.html", "N1", 3, 2)]
    assert checked >= 5  # most excerpts end before their tables
