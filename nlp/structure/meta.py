"""Report metadata: issuing organ, administrative level, region, year (TEMPLATES.md §1)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

from nlp.models import Block, Level, Meta, Region
from nlp.read.normalize import nfkc

_TITLE_ORGAN_RE = re.compile(
    r"^(?:关于)?(?P<pre>.*?)(?P<year>(?:19|20)\d{2})\s*年?度?(?P<post>.*?)"
    r"(?:政府信息公开|信息公开|政务公开)"
)
_PLACE_UNIT_RE = re.compile(r"(?:省|自治区|市|自治州|州|盟|地区|县|自治县|区|旗|乡|镇|街道)$")
# Development zones are run by a 管理委员会, not a 人民政府.
_ZONE_SUFFIXES = ("实验区", "试验区", "开发区", "高新区", "新区", "示范区", "园区", "合作区")
_SELF_REF_RE = re.compile(r"(?:我|本)(乡|镇|街道|县|区|市|省|局|委|办|厅|中心)")
_ORGAN_TAIL_RE = re.compile(r"(人民政府办公室|人民政府办公厅|人民政府|街道办事处|管理委员会|管委会)")
_DEPARTMENT_TAIL_RE = re.compile(r"(局|委员会|办公室|办公厅|厅|中心)(?![\u4e00-\u9fff]{0,1}[长员])")
_DEPARTMENT_SELF = frozenset({"局", "委", "办", "厅", "中心"})
# Characters that end a place name on its left: prepositions and verbs that precede a name.
_LEFT_STOP = frozenset("由以按照通过和与及向在对经据为是将被从于至把同给让及其并")
_BREADCRUMB_RE = re.compile(r"^.*[>»/|]")
_TITLE_JUNK_RE = re.compile(
    r"^(?:标题|题目|名称|page\s*\d+\s*-?|当前位置|您当前所在位置)[:：\s-]*", re.IGNORECASE
)
_SHORT_GOV_RE = re.compile(r"(乡|镇|县|区|市|省)政府$")
PROVINCES = (
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
)
DIVISIONS_PATH = Path(__file__).resolve().parent.parent / "data" / "divisions.tsv"
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_YEAR_PERIOD_RE = re.compile(r"(?:19|20)(\d{2})\s*年\s*1\s*月\s*1\s*日")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")


def _canonical_organ(name: str) -> str:
    """A bare place name in a title ('昌傅镇') stands for its government ('昌傅镇人民政府')."""
    name = name.strip(" ：:，,的")
    if _SHORT_GOV_RE.search(name):
        name = name[: -len("政府")] + "人民政府"
    if name.endswith(_ZONE_SUFFIXES):
        return name + "管理委员会"
    if name.endswith("街道"):
        return name + "办事处"
    if _PLACE_UNIT_RE.search(name) and not _ORGAN_TAIL_RE.search(name):
        return name + "人民政府"
    return name


def _valid_organ(name: str) -> bool:
    return 2 <= len(name) <= 30 and bool(re.fullmatch(r"[\u4e00-\u9fff()（）]+", name))


def organ_from_title(title: str | None) -> str | None:
    """The organ a report title names before (or after) its year, made canonical."""
    if not title:
        return None
    title = _BREADCRUMB_RE.sub("", re.sub(r"\s+", "", nfkc(title)))
    title = _TITLE_JUNK_RE.sub("", title)
    m = _TITLE_ORGAN_RE.match(title)
    if not m:
        return None
    name = (m["pre"] or m["post"]).strip("《》“”")
    name = re.sub(r"^关于", "", name)
    name = _canonical_organ(name)
    return name if _valid_organ(name) else None


def _left_extend(text: str, end: int) -> str | None:
    """The name ending at `end`, extended left while it stays as frequent in the text and
    does not run into a preposition ('由无锡市锡山区…' → '无锡市锡山区')."""
    best = None
    for length in range(2, 14):
        start = end - length
        if start < 0:
            break
        place = text[start:end]
        if not re.fullmatch(r"[\u4e00-\u9fff]+", place) or place[0] in _LEFT_STOP:
            break
        if best is not None and text.count(place) < text.count(best):
            break
        best = place
    return best


_NAMED_REPORT_RE = re.compile(
    r"([\u4e00-\u9fff]{2,24}?)\s*(?:19|20)\d{2}\s*年度?\s*(?:政府)?信息公开(?:工作)?(?:年度)?报告"
)
_NAMING_VERBS_RE = re.compile(r"^.*(?:公布|发布|公开|编制了?|制作|现将|印发|关于|以下是|本报告为)")
_ORGANISH_END_RE = re.compile(
    r"(?:人民政府|政府|办事处|管委会|委员会|局|厅|办公室|中心|乡|镇|县|区|市|省|街道|委)$"
)


def organ_named_with_report(text: str) -> str | None:
    """The organ a sentence names together with the report ('现公布X2023年政府信息公开工作年度报告')."""
    for m in _NAMED_REPORT_RE.finditer(text[:2000]):
        name = _NAMING_VERBS_RE.sub("", m.group(1))
        if _ORGANISH_END_RE.search(name):
            name = _canonical_organ(name)
            if _valid_organ(name):
                return name
    return None


def organ_from_text(text: str) -> str | None:
    """The body the text names most often, by how it refers to itself (我乡, 本局 …):
    '<place>人民政府' for a government, '<place…>局/委员会/办公室' for a department.

    Each name is extended to the left only while it keeps the same count in the text, so
    '利用石江乡人民政府' yields '石江乡人民政府' (the longest string repeated as often).
    """
    self_ref = Counter(m.group(1) for m in _SELF_REF_RE.finditer(text))
    unit = self_ref.most_common(1)[0][0] if self_ref else None
    tail_re = _DEPARTMENT_TAIL_RE if unit in _DEPARTMENT_SELF else _ORGAN_TAIL_RE
    counts: Counter[str] = Counter()
    for m in tail_re.finditer(text):
        best = _left_extend(text, m.start())
        if (
            best and _PLACE_UNIT_RE.search(best)
            if tail_re is _ORGAN_TAIL_RE
            else best and re.search(r"[省市县区州旗盟]", best)
        ):
            counts[best + m.group(1)] += 1
    if not counts:
        return None
    ranked = sorted(
        counts.items(),
        key=lambda kv: (
            unit is not None and re.sub(r"(人民政府|街道办事处).*$", "", kv[0]).endswith(unit),
            kv[1],
            len(kv[0]),
        ),
        reverse=True,
    )
    return ranked[0][0]


def level_of(organ: str | None) -> Level:
    if not organ:
        return "unknown"
    if organ.endswith("人民政府") or organ.endswith("办事处"):
        place = organ.removesuffix("人民政府").removesuffix("办事处")
        if place.endswith(("乡", "镇", "街道")):
            return "township"
        if place.endswith(("县", "区", "旗")):
            return "county"
        if place in _MUNICIPALITIES or place.endswith(("省", "自治区")):
            return "province"
        if place.endswith(("市", "州", "盟", "地区")):
            return "city"
        return "unknown"
    if organ.endswith(("管理委员会", "管委会")):
        zone = re.sub(r"(管理委员会|管委会)$", "", organ)
        # Comprehensive zones and state-level new areas rank as cities; development and
        # high-tech zones are run as agencies (departments) of their city.
        if zone.endswith(("综合实验区", "新区")):
            return "city"
    return "department"


# Divisions whose name differs from its stem by one of these: "平潭" of 平潭县 names 平潭综合实验区.
_DIVISION_UNIT_RE = re.compile(r"(?:自治县|自治旗|自治州|林区|特区|地区|县|区|市|旗|盟)$")
# Characters that look alike and that OCR and typists exchange in place names (沭阳 read as
# 沐阳, 亳州 typed 毫州): tried, misread → right, only when the name as written is not a division.
_LOOKALIKES = {"沐": "沭", "毫": "亳", "汩": "汨", "荧": "荥", "浙": "淅"}


@cache
def _divisions() -> dict[str, frozenset[str]]:
    """Each division's name (and its stem, for zones named after it) → the provinces it is in."""
    by_name: dict[str, set[str]] = {}
    with DIVISIONS_PATH.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            name, province, _prefecture = line.rstrip("\n").split("\t")
            by_name.setdefault(name, set()).add(province)
    return {name: frozenset(provinces) for name, provinces in by_name.items()}


@cache
def _division_stems() -> dict[str, frozenset[str]]:
    stems: dict[str, set[str]] = {}
    for name, provinces in _divisions().items():
        stem = _DIVISION_UNIT_RE.sub("", name)
        if len(stem) >= 2:
            stems.setdefault(stem, set()).update(provinces)
    return {stem: frozenset(provinces) for stem, provinces in stems.items()}


def provinces_of_place(place: str) -> frozenset[str]:
    """The provinces a place of an organ's name can be in: the division of that name, a zone
    named after its division (平潭综合实验区 → 平潭县), a division misread by one look-alike
    character. Empty for a place that is not a division (a township, a typo)."""
    divisions = _divisions()
    if place in divisions:
        return divisions[place]
    if place.endswith(_ZONE_SUFFIXES):
        stems = _division_stems()
        for length in range(len(place) - 2, 1, -1):
            if place[:length] in stems:
                return stems[place[:length]]
    for i, char in enumerate(place):
        if char in _LOOKALIKES and (read := place[:i] + _LOOKALIKES[char] + place[i + 1 :]) in divisions:
            return divisions[read]
    return frozenset()


_PLACE_RE = re.compile(r".+?(?:自治区|自治州|自治县|省|市|州|盟|县|区|旗|乡|镇|街道)")


def places_of(organ: str) -> list[str]:
    """The place names an organ's name is made of, broadest first ('淮安市洪泽区人民政府' →
    淮安市, 洪泽区): a division of the official list where one starts ('朔州市', not '朔州' +
    '市'), else the shortest name that ends in a unit (湖源乡)."""
    name, places, start = _ORGAN_TAIL_RE.sub("", organ), [], 0
    divisions = _divisions()
    while start < len(name):
        known = [end for end in range(start + 2, len(name) + 1) if name[start:end] in divisions]
        m = _PLACE_RE.match(name, start)
        end = max(known) if known else m.end() if m else None
        if end is None:
            break
        places.append(name[start:end])
        start = end
    return places


def _mentions(province: str, text: str) -> int:
    return text.count(province) + text.count(_province_short(province))


def _province_short(name: str) -> str:
    return re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", name)


def region_of(organ: str | None, text: str) -> Region:
    """The organ's province, from its name (a province's name at its head, else its places as
    divisions of the official list), else the province the text names most; and the place
    names of the organ's name. One organ is placed alike in every year it reports."""
    places = places_of(organ) if organ else []
    if organ:
        for name in PROVINCES:
            if organ.startswith(_province_short(name)):
                return Region(province=name, places=places)
    candidates: frozenset[str] = frozenset()
    for place in places:
        found = provinces_of_place(place)
        # the broader place comes first: a later one narrows it (淮安市洪泽区), never widens it
        candidates = (candidates & found or candidates) if candidates else found
    if len(candidates) == 1:
        return Region(province=next(iter(candidates)), places=places)
    if candidates:  # a name several provinces have (鼓楼区): the one the text names
        named = {name: float(_mentions(name, text)) for name in sorted(candidates)}
    else:  # the provinces and divisions the text names (its own county's website, its city)
        named = _provinces_named(text)
    province = max(named, key=named.__getitem__) if named else None
    return Region(province=province if province and named[province] else None, places=places)


@cache
def _division_name_re() -> re.Pattern[str]:
    """Divisions of three characters or more (两字 names such as 和县 are words of the text too),
    longest first."""
    names = sorted((n for n in _divisions() if len(n) >= 3), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _provinces_named(text: str) -> dict[str, float]:
    """A vote per province: one for each time the text names it, and one for each division it
    names, shared among the provinces that have a division of that name."""
    votes = {name: float(text.count(name)) for name in PROVINCES}
    divisions = _divisions()
    for m in _division_name_re().finditer(text):
        for province in divisions[m.group()]:
            votes[province] += 1 / len(divisions[m.group()])
    return votes


def year_of(title: str | None, text: str) -> int | None:
    """Report year: from the title, else the statistical period, else the most cited year."""
    if title:
        m = re.search(r"((?:19|20)\d{2})", nfkc(title))
        if m:
            return int(m.group(1))
    text = nfkc(text)
    period = _YEAR_PERIOD_RE.search(text)
    if period:
        return 2000 + int(period.group(1)) if int(period.group(1)) < 50 else 1900 + int(period.group(1))
    years = Counter(int(y) for y in _YEAR_RE.findall(text[:3000]))
    return years.most_common(1)[0][0] if years else None


def describe(
    blocks: list[Block], title: str | None, version: str | None, signals: dict[str, list[str]]
) -> Meta:
    """The metadata of a report from its text blocks, its title and its table labels."""
    text = "\n".join(b.text for b in blocks if b.kind == "text")
    organ = organ_from_title(title) or organ_named_with_report(text) or organ_from_text(text)
    template = version or ("mixed" if all(signals.values()) else "unknown")
    return Meta(
        title=title,
        organ=organ,
        level=level_of(organ),
        region=region_of(organ, text),
        year=year_of(title, text),
        template=template,
        template_signals={k: v for k, v in signals.items() if v},
    )
