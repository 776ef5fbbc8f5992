"""一表通: read an upper-level Excel template, map its columns to what the registry knows, fill it.

Three steps, each usable on its own:

1. `detect_layout(content)` finds the header block under any title rows (multi-row, merged
   headers; an optional column-number row) and guesses the row unit: one row per person,
   household, village or township.
2. `propose_mapping(columns, row_unit, county=...)` matches each column label to a source with a
   synonym dictionary (plus the synonyms people confirmed before) and fuzzy matching of Chinese
   text: jieba tokens and difflib's ratio.
3. `fill(template, actor, ...)` writes into the SAME workbook. Village and township reports are
   aggregated in the database (one grouped query per column group) and written with openpyxl in
   place. Person and household reports can have hundreds of thousands of rows, more than openpyxl
   can hold in memory, so the header part is saved by openpyxl and the data rows are streamed as
   XML straight into the sheet inside the saved package (see `_stream_rows`).
"""

import difflib
import functools
import io
import logging
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from copy import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import get_column_letter

from burden.models import ManualValue, RowUnit, Synonym
from core.excel import FORMULA_PREFIXES, neutralise
from registry.models import Household, Person
from territory.models import AdminUnit

MANUAL = "_manual"  # a value the registry does not hold: entered once per unit, then remembered
SKIP = "_skip"  # leave the column as it is

AGG = (RowUnit.VILLAGE, RowUnit.TOWNSHIP)
LIST = (RowUnit.PERSON, RowUnit.HOUSEHOLD)


@dataclass(frozen=True)
class Source:
    code: str
    label: object
    row_units: tuple
    synonyms: tuple
    numeric: bool = False


def _s(code, label, units, synonyms, numeric=False):
    return Source(code, label, tuple(units), tuple(synonyms), numeric)


SOURCES: dict[str, Source] = {
    s.code: s
    for s in [
        _s("seq", _("序号"), LIST + AGG, ("序号", "编号", "序", "号"), True),
        # aggregates per village or township
        _s(
            "unit_name",
            _("单位名称"),
            AGG,
            (
                "村名",
                "村名称",
                "村社区",
                "村社区名称",
                "行政村",
                "单位",
                "单位名称",
                "乡镇",
                "乡镇名称",
                "乡镇街道",
                "村",
                "社区",
                "名称",
            ),
        ),
        _s("township_name", _("所属乡镇"), AGG + LIST, ("所属乡镇", "乡镇", "乡镇街道", "镇", "乡")),
        _s("unit_code", _("区划代码"), AGG, ("区划代码", "行政区划代码", "代码")),
        _s("households", _("户数"), AGG, ("户数", "总户数", "户籍户数", "登记户数", "农户数"), True),
        _s("resident_households", _("常住户数"), AGG, ("常住户数", "在家户数", "实际居住户数"), True),
        _s("vacant_households", _("空置户数"), AGG, ("空置户数", "空挂户数", "无人居住户数"), True),
        _s(
            "people",
            _("户籍人口"),
            AGG,
            ("户籍人口", "总人口", "人口数", "人口", "登记人口", "户籍人数"),
            True,
        ),
        _s("resident_people", _("常住人口"), AGG, ("常住人口", "常住人数", "在家人口", "实际居住人口"), True),
        _s(
            "migrant_workers",
            _("外出务工人数"),
            AGG,
            ("外出务工人数", "外出务工", "务工人数", "外出务工人员"),
            True,
        ),
        _s("away_people", _("外出人口"), AGG, ("外出人口", "外出人数", "不在家人数"), True),
        _s("male", _("男性人数"), AGG, ("男", "男性", "男性人数", "男性人口"), True),
        _s("female", _("女性人数"), AGG, ("女", "女性", "女性人数", "女性人口"), True),
        _s(
            "age60",
            _("60岁以上人数"),
            AGG,
            (
                "60岁以上人数",
                "60岁以上",
                "60周岁以上",
                "60岁及以上",
                "60周岁及以上人数",
                "老年人数",
                "老年人口",
            ),
            True,
        ),
        _s(
            "age80",
            _("80岁以上人数"),
            AGG,
            ("80岁以上人数", "80岁以上", "80周岁以上", "80岁及以上", "高龄老人数", "高龄老人"),
            True,
        ),
        _s(
            "minors",
            _("18岁以下人数"),
            AGG,
            ("18岁以下人数", "18岁以下", "未成年人数", "未成年人", "18周岁以下"),
            True,
        ),
        _s("elderly_alone", _("独居老人数"), AGG, ("独居老人数", "独居老人", "空巢独居老人", "独居"), True),
        _s("tekun", _("特困人员数"), AGG, ("特困人员数", "特困人员", "特困", "特困供养人员"), True),
        _s("disabled", _("残疾人数"), AGG, ("残疾人数", "残疾人", "残疾"), True),
        _s("left_behind_child", _("留守儿童数"), AGG, ("留守儿童数", "留守儿童", "农村留守儿童"), True),
        _s("veteran", _("退役军人数"), AGG, ("退役军人数", "退役军人", "复员退伍军人"), True),
        _s("dibao_households", _("低保户数"), AGG, ("低保户数", "低保户", "最低生活保障户数", "低保"), True),
        _s(
            "dibao_people", _("低保人数"), AGG, ("低保人数", "低保对象人数", "低保人口", "享受低保人数"), True
        ),
        _s(
            "monitor_households",
            _("脱贫监测户数"),
            AGG,
            ("脱贫监测户数", "监测户数", "防返贫监测户", "监测对象户数"),
            True,
        ),
        _s("grids", _("网格数"), AGG, ("网格数", "网格个数", "网格"), True),
        _s(
            "visits_month",
            _("本月入户走访次数"),
            AGG,
            ("本月入户走访次数", "入户走访次数", "走访次数", "本月走访次数", "走访户次"),
            True,
        ),
        # one row per person
        _s("name", _("姓名"), (RowUnit.PERSON,), ("姓名", "名字", "人员姓名")),
        _s("sex", _("性别"), (RowUnit.PERSON,), ("性别",)),
        _s("birth_date", _("出生日期"), (RowUnit.PERSON,), ("出生日期", "出生年月", "出生年月日", "生日")),
        _s("age", _("年龄"), (RowUnit.PERSON,), ("年龄", "周岁", "实际年龄"), True),
        _s(
            "id_masked",
            _("身份证号（脱敏）"),
            (RowUnit.PERSON,),
            ("身份证号", "身份证号码", "公民身份号码", "身份证"),
        ),
        _s(
            "phone_masked",
            _("联系电话（脱敏）"),
            LIST,
            ("联系电话", "电话", "手机号", "手机号码", "联系方式"),
        ),
        _s("relation", _("与户主关系"), (RowUnit.PERSON,), ("与户主关系", "关系", "家庭关系")),
        _s(
            "residence",
            _("居住状态"),
            (RowUnit.PERSON,),
            ("居住状态", "是否常住", "在家情况", "居住情况", "外出情况"),
        ),
        _s(
            "person_tags",
            _("人员类别"),
            (RowUnit.PERSON,),
            ("人员类别", "类别", "身份类别", "标签", "特殊群体类别"),
        ),
        # one row per household (and shared with person rows)
        _s("village_name", _("所在村"), LIST, ("所在村", "村", "村名", "村社区", "行政村", "所属村")),
        _s("address", _("住址"), LIST, ("住址", "家庭住址", "地址", "详细地址", "现住址")),
        _s("head_name", _("户主姓名"), LIST, ("户主姓名", "户主")),
        _s("household_no", _("户编号"), LIST, ("户编号", "户号", "户主编号", "家庭编号")),
        _s(
            "occupancy",
            _("居住情况（户）"),
            (RowUnit.HOUSEHOLD,),
            ("居住情况", "是否常住户", "住户状态", "在家情况"),
        ),
        _s(
            "member_count",
            _("家庭人口"),
            (RowUnit.HOUSEHOLD,),
            ("家庭人口", "家庭人口数", "户人口", "人口数", "家庭成员数"),
            True,
        ),
        _s(
            "resident_members",
            _("常住人数"),
            (RowUnit.HOUSEHOLD,),
            ("常住人数", "常住人口", "在家人数"),
            True,
        ),
        _s(
            "elderly_members",
            _("60岁以上人数"),
            (RowUnit.HOUSEHOLD,),
            ("60岁以上人数", "老人数", "60岁以上"),
            True,
        ),
        _s(
            "household_tags",
            _("户类别"),
            (RowUnit.HOUSEHOLD,),
            ("户类别", "类别", "户类型", "是否低保户", "标签"),
        ),
    ]
}

PERSON_TAG_SOURCES = ("elderly_alone", "tekun", "disabled", "left_behind_child", "veteran")
HOUSEHOLD_TAG_SOURCES = {"dibao_households": "dibao", "monitor_households": "monitor"}


def sources_for(row_unit: str) -> list[str]:
    return [code for code, s in SOURCES.items() if row_unit in s.row_units]


def source_label(code: str) -> str:
    if code == MANUAL:
        return str(_("手工填写（只填一次）"))
    if code == SKIP:
        return str(_("不填"))
    source = SOURCES.get(code)
    return str(source.label) if source else code


# --- text matching ----------------------------------------------------------------------------

_UNIT_SUFFIX = re.compile(r"[（(][^()（）]{0,6}[)）]")
_NOISE = re.compile(r"[\s:：、，,。.·\-—_*＊※#]+")


def normalize(label: str) -> str:
    """Labels compare after NFKC, without spaces, units in brackets (人/户/个) and 其中/数量 filler."""
    text = unicodedata.normalize("NFKC", str(label or ""))
    text = _UNIT_SUFFIX.sub("", text)
    text = text.replace("其中", "").replace("数量", "数").replace("周岁", "岁")
    text = text.replace("及以上", "以上")
    return _NOISE.sub("", text)


# Words of form headings beyond the synonyms themselves, so jieba splits 常住人口数 into 常住/人口/数.
HEADER_WORDS = [
    "人数",
    "户数",
    "人口",
    "常住",
    "户籍",
    "外出",
    "务工",
    "老人",
    "老年",
    "儿童",
    "留守",
    "独居",
    "特困",
    "残疾",
    "低保",
    "监测",
    "退役",
    "军人",
    "男性",
    "女性",
    "岁",
    "以上",
    "以下",
    "周岁",
    "名称",
    "村",
    "社区",
    "乡镇",
    "网格",
    "走访",
    "入户",
    "次数",
    "本月",
    "姓名",
    "性别",
    "出生",
    "日期",
    "年龄",
    "身份证",
    "号码",
    "电话",
    "住址",
    "地址",
    "户主",
    "编号",
    "家庭",
    "关系",
    "类别",
    "情况",
    "状态",
    "合计",
    "其中",
]


@functools.lru_cache(maxsize=1)
def _tokenizer():
    """jieba with a small dictionary of form-heading words: loads in milliseconds, not the ~5 s of
    jieba's general dictionary, and splits headings along the words that matter here."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    words = {normalize(syn) for source in SOURCES.values() for syn in source.synonyms} | set(HEADER_WORDS)
    lines = "\n".join(f"{w} {50 if len(w) > 2 else 200}" for w in sorted(words) if w)
    buffer = io.BytesIO(lines.encode())
    buffer.name = "burden-form-headings"
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(buffer)
    tokenizer.initialized = True
    return tokenizer


@functools.lru_cache(maxsize=4096)
def _tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in _tokenizer().lcut(text) if t.strip())


@functools.lru_cache(maxsize=8)
def _normalized_synonyms(row_unit: str) -> tuple[tuple[str, str], ...]:
    return tuple((code, normalize(syn)) for code in sources_for(row_unit) for syn in SOURCES[code].synonyms)


def _digits(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def similarity(a: str, b: str) -> float:
    """0..1: difflib's ratio blended with jieba token overlap (or containment); numbers (60岁, 80岁) must agree."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    ta, tb = _tokens(a), _tokens(b)
    overlap = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    short, long = sorted((a, b), key=len)
    contained = len(short) / len(long) if short in long else 0.0
    score = 0.7 * ratio + 0.3 * max(overlap, contained)
    if _digits(a) != _digits(b):
        score *= 0.5
    return score


THRESHOLD = 0.62


def _leaf(label: str) -> str:
    return label.split("/")[-1]


def propose_mapping(columns: list[dict], row_unit: str, *, county: AdminUnit) -> list[dict]:
    """Each column gets the best source with a score; below the threshold it is left for the person."""
    learned = dict(Synonym.objects.filter(county=county, row_unit=row_unit).values_list("label", "source"))
    proposed = []
    for column in columns:
        full, leaf = normalize(column["label"]), normalize(_leaf(column["label"]))
        source, score = learned.get(full) or learned.get(leaf), 1.0
        if not source:
            source, score = "", 0.0
            for code, syn in _normalized_synonyms(row_unit):
                s = max(similarity(leaf, syn), similarity(full, syn) * 0.95)
                if s > score:
                    source, score = code, s
            if score < THRESHOLD:
                source = ""
        proposed.append({**column, "source": source, "score": round(score, 2)})
    return proposed


# --- layout detection -------------------------------------------------------------------------


@dataclass
class Layout:
    sheet_name: str
    title: str
    header_start: int
    header_end: int
    data_start: int
    row_unit: str
    columns: list[dict] = field(default_factory=list)


_INFO_ROW = re.compile(r"^(填报|填表|制表|单位|日期|报送|统计时间|截至|负责人|审核)[^：:]{0,6}[：:]")
_PERSON_HINTS = ("姓名", "身份证号", "身份证号码", "公民身份号码", "出生日期", "性别")
_HOUSEHOLD_HINTS = ("户主姓名", "户主", "户编号", "户号", "家庭人口", "家庭住址")


def _merged_map(ws) -> dict[tuple[int, int], object]:
    values = {}
    for rng in ws.merged_cells.ranges:
        top = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                values[(r, c)] = top
    return values


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _is_number_row(values: list[str]) -> bool:
    filled = [v for v in values if v]
    if len(filled) < 2:
        return False
    if all(re.fullmatch(r"\d{1,3}", v) for v in filled):
        return [int(v) for v in filled] == sorted(int(v) for v in filled)
    return all(re.fullmatch(r"[A-Z甲乙丙丁戊己庚辛壬癸]", v) for v in filled)


def _pick_sheet(wb):
    if wb.active is not None and wb.active.max_row > 1:
        return wb.active
    return max(wb.worksheets, key=lambda ws: ws.max_row * ws.max_column)


def detect_layout(content: bytes) -> Layout:
    """Title rows, then the header block (merges extend it downwards), then an optional 1,2,3… row."""
    wb = load_workbook(io.BytesIO(content))
    ws = _pick_sheet(wb)
    merged = _merged_map(ws)
    scan = min(ws.max_row, 40)
    width = 0
    for row in ws.iter_rows(min_row=1, max_row=scan):
        for cell in row:
            if _text(cell.value):
                width = max(width, cell.column)
    if width == 0:
        raise ValueError(str(_("表格是空的，找不到表头")))

    def value(r: int, c: int) -> str:
        return _text(merged.get((r, c), ws.cell(r, c).value))

    header_start = None
    for r in range(1, scan + 1):
        own = [_text(ws.cell(r, c).value) for c in range(1, width + 1)]
        distinct = [v for v in own if v]
        covered = sum(1 for c in range(1, width + 1) if value(r, c))
        if any(_INFO_ROW.match(v) for v in distinct):
            continue
        if len(distinct) >= 2 and covered >= max(2, 0.6 * width):
            header_start = r
            break
    if header_start is None:
        raise ValueError(str(_("找不到表头：请确认表头至少有两栏")))

    header_end = header_start
    changed = True
    while changed:
        changed = False
        for rng in ws.merged_cells.ranges:
            if header_start <= rng.min_row <= header_end and rng.max_row > header_end:
                header_end, changed = rng.max_row, True
        # A group heading merged across columns on the last header row has its parts on the next row.
        for rng in ws.merged_cells.ranges:
            if rng.min_row == rng.max_row == header_end and rng.max_col > rng.min_col:
                below = [value(header_end + 1, c) for c in range(rng.min_col, rng.max_col + 1)]
                if any(below) and not _is_number_row(below):
                    header_end, changed = header_end + 1, True
                    break
    data_start = header_end + 1
    if _is_number_row([value(data_start, c) for c in range(1, width + 1)]):
        data_start += 1

    columns = []
    for c in range(1, width + 1):
        parts: list[str] = []
        for r in range(header_start, header_end + 1):
            v = re.sub(r"\s+", "", value(r, c))
            if v and (not parts or parts[-1] != v):
                parts.append(v)
        if parts:
            columns.append({"col": c, "letter": get_column_letter(c), "label": "/".join(parts)})
    title = ""
    for r in range(1, header_start):
        for c in range(1, width + 1):
            if _text(ws.cell(r, c).value) and not _INFO_ROW.match(_text(ws.cell(r, c).value)):
                title = title or _text(ws.cell(r, c).value)
    return Layout(
        sheet_name=ws.title,
        title=title,
        header_start=header_start,
        header_end=header_end,
        data_start=data_start,
        row_unit=guess_row_unit([c["label"] for c in columns], title),
        columns=columns,
    )


def guess_row_unit(labels: list[str], title: str = "") -> str:
    leaves = {normalize(_leaf(label)) for label in labels}
    if leaves & set(_PERSON_HINTS):
        return RowUnit.PERSON
    if leaves & set(_HOUSEHOLD_HINTS):
        return RowUnit.HOUSEHOLD
    has_village = any(("村" in leaf or "社区" in leaf) for leaf in leaves)
    if ("各乡镇" in title or "乡镇" in "".join(leaves)) and not has_village:
        return RowUnit.TOWNSHIP
    return RowUnit.VILLAGE


# --- aggregates -------------------------------------------------------------------------------


def _years_ago(years: int, today: date) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


_REGISTERED = ~Q(residence__in=[Person.Residence.MOVED_OUT, Person.Residence.DECEASED])
_AWAY = [Person.Residence.MIGRANT_WORK, Person.Residence.AWAY_STUDY, Person.Residence.AWAY_OTHER]


def aggregate(
    *, people, households, units: list[AdminUnit], level: str, sources: set[str], today: date | None = None
) -> dict[int, dict[str, object]]:
    """Values per unit for the asked sources: one grouped query per column group, never a loop over people.

    `people` and `households` are already scoped querysets (the actor's jurisdiction).
    """
    today = today or timezone.localdate()
    ids = [u.pk for u in units]
    key = "household__village_id" if level == RowUnit.VILLAGE else "household__village__parent_id"
    hkey = "village_id" if level == RowUnit.VILLAGE else "village__parent_id"
    out: dict[int, dict[str, object]] = {u.pk: {} for u in units}

    person_aggs = {
        "people": Count("id", filter=_REGISTERED),
        "resident_people": Count("id", filter=Q(residence=Person.Residence.RESIDENT)),
        "migrant_workers": Count("id", filter=Q(residence=Person.Residence.MIGRANT_WORK)),
        "away_people": Count("id", filter=Q(residence__in=_AWAY)),
        "male": Count("id", filter=_REGISTERED & Q(sex=Person.Sex.MALE)),
        "female": Count("id", filter=_REGISTERED & Q(sex=Person.Sex.FEMALE)),
        "age60": Count("id", filter=_REGISTERED & Q(birth_date__lte=_years_ago(60, today))),
        "age80": Count("id", filter=_REGISTERED & Q(birth_date__lte=_years_ago(80, today))),
        "minors": Count("id", filter=_REGISTERED & Q(birth_date__gt=_years_ago(18, today))),
        "dibao_people": Count("id", filter=_REGISTERED & Q(household__tags__code="dibao")),
    }
    wanted = {k: v for k, v in person_aggs.items() if k in sources and k != "dibao_people"}
    if wanted:
        for row in people.filter(**{f"{key}__in": ids}).values(key).annotate(**wanted).order_by():
            out[row[key]].update({k: row[k] for k in wanted})
    if "dibao_people" in sources:
        # Separate: the tag join would multiply the other counts.
        for unit_id, n in (
            people.filter(_REGISTERED, household__tags__code="dibao", **{f"{key}__in": ids})
            .values_list(key)
            .annotate(n=Count("id", distinct=True))
            .order_by()
        ):
            out[unit_id]["dibao_people"] = n

    tag_codes = [s for s in PERSON_TAG_SOURCES if s in sources]
    if tag_codes:
        # A join from the scoped people to their tags, not a subquery: five times faster on SQLite.
        for unit_id, code, n in (
            people.filter(_REGISTERED, tags__code__in=tag_codes, **{f"{key}__in": ids})
            .values_list(key, "tags__code")
            .annotate(n=Count("id"))
            .order_by()
        ):
            out[unit_id][code] = n

    household_aggs = {
        "households": Count("id"),
        "resident_households": Count("id", filter=Q(occupancy=Household.Occupancy.RESIDENT)),
        "vacant_households": Count("id", filter=Q(occupancy=Household.Occupancy.VACANT)),
    }
    wanted = {k: v for k, v in household_aggs.items() if k in sources}
    if wanted:
        for row in households.filter(**{f"{hkey}__in": ids}).values(hkey).annotate(**wanted).order_by():
            out[row[hkey]].update({k: row[k] for k in wanted})

    htags = {s: code for s, code in HOUSEHOLD_TAG_SOURCES.items() if s in sources}
    if htags:
        by_code = {code: s for s, code in htags.items()}
        for unit_id, code, n in (
            households.filter(tags__code__in=list(htags.values()), **{f"{hkey}__in": ids})
            .values_list(hkey, "tags__code")
            .annotate(n=Count("id"))
            .order_by()
        ):
            out[unit_id][by_code[code]] = n

    if "grids" in sources:
        gkey = "parent_id" if level == RowUnit.VILLAGE else "parent__parent_id"
        for unit_id, n in (
            AdminUnit.objects.filter(level=AdminUnit.Level.GRID, **{f"{gkey}__in": ids})
            .values_list(gkey)
            .annotate(n=Count("id"))
            .order_by()
        ):
            out[unit_id]["grids"] = n

    if "visits_month" in sources:
        from burden.selectors import _aware, visit_counts_by_village

        first = today.replace(day=1)
        nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        villages = (
            ids
            if level == RowUnit.VILLAGE
            else list(AdminUnit.objects.filter(parent_id__in=ids).values_list("id", flat=True))
        )
        counts = visit_counts_by_village(villages=villages, start=_aware(first), end=_aware(nxt))
        parent = (
            {v: v for v in ids}
            if level == RowUnit.VILLAGE
            else dict(AdminUnit.objects.filter(pk__in=villages).values_list("id", "parent_id"))
        )
        for unit_id in ids:
            out[unit_id]["visits_month"] = 0
        for village_id, n in counts.items():
            out[parent[village_id]]["visits_month"] += n

    for unit in units:
        values = out[unit.pk]
        for s in sources:
            if SOURCES.get(s) and SOURCES[s].numeric and s != "seq":
                values.setdefault(s, 0)
        if "unit_name" in sources:
            values["unit_name"] = unit.name
        if "unit_code" in sources:
            values["unit_code"] = unit.code
        if "township_name" in sources:
            values["township_name"] = (
                unit.parent.name if level == RowUnit.VILLAGE and unit.parent else unit.name
            )
    return out


# --- filling ----------------------------------------------------------------------------------


@dataclass
class FillResult:
    content: bytes
    rows: int
    cells: int
    missing: list[str] = field(default_factory=list)


def _units_for(template, actor) -> list[AdminUnit]:
    from territory.selectors import unit_list

    level = AdminUnit.Level.VILLAGE if template.row_unit == RowUnit.VILLAGE else AdminUnit.Level.TOWNSHIP
    return list(
        unit_list(user=actor, level=level)
        .filter(path__startswith=template.unit.path)
        .select_related("parent")
        .order_by("code")
    )


def _scoped(actor, template):
    from registry.selectors import household_scope, person_scope

    path = template.unit.path
    return (
        person_scope(actor).filter(household__scope_path__startswith=path),
        household_scope(actor).filter(scope_path__startswith=path),
    )


_TOTAL = re.compile(r"^(合计|总计|小计|全镇合计|全乡合计|全县合计)$")


def manual_columns(template) -> list[dict]:
    return [c for c in template.columns if c.get("source") == MANUAL]


def manual_units(template, actor) -> list[AdminUnit]:
    """Where hand-entered values are keyed: each row's unit, or the filing unit for list reports."""
    return _units_for(template, actor) if template.row_unit in AGG else [template.unit]


def missing_manual(template, actor) -> list[tuple[AdminUnit, dict]]:
    """(unit, column) pairs still without a stored value: the only things a person is asked to type."""
    columns = manual_columns(template)
    if not columns:
        return []
    units = manual_units(template, actor)
    have = set(
        ManualValue.objects.filter(
            unit__in=units, label__in=[normalize(c["label"]) for c in columns]
        ).values_list("unit_id", "label")
    )
    return [(u, c) for u in units for c in columns if (u.pk, normalize(c["label"])) not in have]


def _manual_values(template, units) -> dict[tuple[int, str], str]:
    labels = [normalize(c["label"]) for c in manual_columns(template)]
    if not labels:
        return {}
    return {
        (u, label): value
        for u, label, value in ManualValue.objects.filter(unit__in=units, label__in=labels).values_list(
            "unit_id", "label", "value"
        )
    }


def fill(template, actor, *, progress: Callable[[int], None] | None = None) -> FillResult:
    """Fill the template for the actor's part of the template's unit; returns the same workbook, filled."""
    with template.file.open("rb") as fh:
        content = fh.read()
    if template.row_unit in AGG:
        return _fill_aggregate(template, actor, content)
    return _fill_list(template, actor, content, progress=progress)


def _write(ws, row: int, col: int, value) -> bool:
    cell = ws.cell(row, col)
    if isinstance(cell, MergedCell) or value is None or value == "":
        return False
    cell.value = neutralise(value)
    return True


def _fill_aggregate(template, actor, content: bytes) -> FillResult:
    wb = load_workbook(io.BytesIO(content))
    ws = wb[template.sheet_name]
    units = _units_for(template, actor)
    mapped = [c for c in template.columns if c.get("source") and c["source"] != SKIP]
    sources = {c["source"] for c in mapped}
    people, households = _scoped(actor, template)
    values = aggregate(
        people=people,
        households=households,
        units=units,
        level=template.row_unit,
        sources=sources | {"unit_name"},
    )
    manual = _manual_values(template, units)
    key_col = next((c["col"] for c in mapped if c["source"] == "unit_name"), None)

    # Rows the template already lists (village names filled in by the issuer) are filled in place.
    by_name = {u.name: u for u in units}
    placed: dict[int, AdminUnit] = {}
    total_row = None
    if key_col:
        for r in range(template.data_start, ws.max_row + 1):
            name = _text(ws.cell(r, key_col).value)
            if not name:
                continue
            if _TOTAL.match(name):
                total_row = r
            elif name in by_name:
                placed[r] = by_name[name]
            else:
                match = next((u for u in units if u.name in name or name in u.name), None)
                if match:
                    placed[r] = match
    if not placed:
        start = template.data_start + (1 if total_row == template.data_start else 0)
        style_row = start
        for i, unit in enumerate(units):
            r = start + i
            if r != style_row:
                for c in mapped:
                    src = ws.cell(style_row, c["col"])
                    dst = ws.cell(r, c["col"])
                    if src.has_style and not isinstance(dst, MergedCell):
                        dst._style = copy(src._style)
            placed[r] = unit
        if total_row is not None and total_row != template.data_start:
            total_row = None  # a total under sample rows would now sit inside the data; skip it
    cells = 0
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for i, (r, unit) in enumerate(sorted(placed.items())):
        for c in mapped:
            source = c["source"]
            if source == "seq":
                value = i + 1
            elif source == MANUAL:
                value = manual.get((unit.pk, normalize(c["label"])))
            else:
                value = values[unit.pk].get(source)
                if SOURCES[source].numeric and value is not None:
                    totals[source] += Decimal(value)
            cells += _write(ws, r, c["col"], value)
    if total_row is not None:
        for c in mapped:
            if c["source"] in totals:
                cells += _write(ws, total_row, c["col"], int(totals[c["source"]]))
    buffer = io.BytesIO()
    wb.save(buffer)
    return FillResult(content=buffer.getvalue(), rows=len(placed), cells=cells)


# List reports: one row per person or household, streamed.


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _age(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _person_rows(people, sources: set[str], today: date) -> Iterator[dict]:
    fields = {
        "id": "id",
        "name": "name",
        "sex": "sex",
        "birth_date": "birth_date",
        "id_masked": "id_masked",
        "phone_masked": "phone_masked",
        "relation": "relation",
        "residence": "residence",
        "village_name": "household__village__name",
        "township_name": "household__village__parent__name",
        "address": "household__address",
        "head_name": "household__head_name",
        "household_no": "household__household_no",
    }
    tags: dict[int, list[str]] = defaultdict(list)
    if "person_tags" in sources:
        for pid, name in (
            Person.tags.through.objects.filter(person__in=people)
            .values_list("person_id", "tag__name")
            .order_by("tag__sort_order")
        ):
            tags[pid].append(name)
    qs = people.filter(_REGISTERED).order_by("household__village__code", "household_id", "id")
    names = list(fields.values())
    # Translated once per fill: a lazy label per cell costs a gettext lookup 300,000 times over.
    sex, relation, residence = _labels(Person.Sex), _labels(Person.Relation), _labels(Person.Residence)
    for values in qs.values_list(*names).iterator(chunk_size=5000):
        row = dict(zip(fields, values, strict=True))
        row["sex"] = sex.get(row["sex"], "")
        row["relation"] = relation.get(row["relation"], "")
        row["residence"] = residence.get(row["residence"], "")
        row["age"] = _age(row["birth_date"], today)
        row["birth_date"] = row["birth_date"].isoformat() if row["birth_date"] else ""
        row["person_tags"] = "、".join(tags.get(row["id"], ()))
        yield row


def _household_rows(people, households, sources: set[str], today: date) -> Iterator[dict]:
    counts: dict[int, tuple[int, int, int]] = {}
    if sources & {"member_count", "resident_members", "elderly_members"}:
        for hid, n, resident, elderly in (
            people.filter(_REGISTERED)
            .values_list("household_id")
            .annotate(
                n=Count("id"),
                r=Count("id", filter=Q(residence=Person.Residence.RESIDENT)),
                e=Count("id", filter=Q(birth_date__lte=_years_ago(60, today))),
            )
            .order_by()
        ):
            counts[hid] = (n, resident, elderly)
    tags: dict[int, list[str]] = defaultdict(list)
    if "household_tags" in sources:
        for hid, name in Household.tags.through.objects.filter(household__in=households).values_list(
            "household_id", "tag__name"
        ):
            tags[hid].append(name)
    fields = {
        "id": "id",
        "household_no": "household_no",
        "head_name": "head_name",
        "address": "address",
        "occupancy": "occupancy",
        "village_name": "village__name",
        "township_name": "village__parent__name",
    }
    qs = households.order_by("village__code", "household_no", "id")
    occupancy = _labels(Household.Occupancy)
    for values in qs.values_list(*fields.values()).iterator(chunk_size=5000):
        row = dict(zip(fields, values, strict=True))
        n, resident, elderly = counts.get(row["id"], (0, 0, 0))
        row.update(member_count=n, resident_members=resident, elderly_members=elderly)
        row["occupancy"] = occupancy.get(row["occupancy"], "")
        row["household_tags"] = "、".join(tags.get(row["id"], ()))
        yield row


# One C-level pass per string: drop control characters XML 1.0 forbids, escape the three that matter.
_XML_TEXT = {i: None for i in range(32) if i not in (9, 10, 13)} | {
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord(">"): "&gt;",
}
_FORMULA_START = frozenset(p[0] for p in FORMULA_PREFIXES)


def _cell_xml(ref: str, style: str, value) -> str:
    """One cell; `style` is '' or ' s="N"'. Text goes inline (no shared-strings table to rewrite)."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int | float | Decimal):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    text = str(value)
    if text[:1] in _FORMULA_START:
        text = "'" + text  # as core.excel.neutralise does
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text.translate(_XML_TEXT)}</t></is></c>'


_ROW = re.compile(r"<row\b[^>]*?\br=\"(\d+)\"[^>]*?(?:/>|>.*?</row>)", re.S)
_CELL_TAG = re.compile(r"<c\b([^>]*?)/?>")


def _sheet_part(package: zipfile.ZipFile, sheet_name: str) -> str:
    workbook = package.read("xl/workbook.xml").decode()
    rels = package.read("xl/_rels/workbook.xml.rels").decode()
    for m in re.finditer(r"<sheet\b[^>]*/>", workbook):
        tag = m.group(0)
        name = re.search(r'name="([^"]*)"', tag).group(1)
        if name == escape(sheet_name, {'"': "&quot;"}):
            rid = re.search(r'r:id="([^"]+)"', tag).group(1)
            rel = re.search(rf'<Relationship\b[^>]*Id="{rid}"[^>]*/>', rels).group(0)
            target = re.search(r'Target="([^"]+)"', rel).group(1)
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(sheet_name)


def _fill_list(template, actor, content: bytes, *, progress=None) -> FillResult:
    """Keep everything above the data rows as openpyxl saved it; stream the data rows as sheet XML.

    openpyxl cannot write into an existing workbook in write-only mode, and holding 300,000 rows ×
    15 cells as openpyxl objects takes gigabytes. So openpyxl saves the workbook once (styles,
    merges, widths and other sheets intact) and the data rows go straight into that package's
    sheet XML, each cell carrying the style of the template's first data row.
    """
    today = timezone.localdate()
    wb = load_workbook(io.BytesIO(content))
    ws = wb[template.sheet_name]
    mapped = [c for c in template.columns if c.get("source") and c["source"] != SKIP]
    sources = {c["source"] for c in mapped}
    # Make sure the first data row carries a cell (and so a style index) in every mapped column.
    for c in mapped:
        cell = ws.cell(template.data_start, c["col"])
        if not isinstance(cell, MergedCell) and cell.value is None:
            cell.value = 0
    for rng in list(ws.merged_cells.ranges):
        if rng.max_row >= template.data_start:
            # A merge in the data area would swallow cells of the streamed rows: unmerge it, and let
            # every cell it covered carry its top-left cell's style.
            top = ws.cell(rng.min_row, rng.min_col)
            ws.merged_cells.remove(rng)
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        ws._cells[(r, c)] = Cell(ws, row=r, column=c)
                        ws._cells[(r, c)]._style = copy(top._style)
    buffer = io.BytesIO()
    wb.save(buffer)
    del wb, ws
    manual = _manual_values(template, [template.unit])
    people, households = _scoped(actor, template)
    if template.row_unit == RowUnit.PERSON:
        rows = _person_rows(people, sources, today)
        total = people.filter(_REGISTERED).count()
    else:
        rows = _household_rows(people, households, sources, today)
        total = households.count()

    source_zip = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    part = _sheet_part(source_zip, template.sheet_name)
    xml = source_zip.read(part).decode()
    xml = re.sub(r"<sheetData\s*/>", "<sheetData></sheetData>", xml)
    head, rest = xml.split("<sheetData>", 1)
    body, tail = rest.split("</sheetData>", 1)
    kept, styles = [], {}
    for m in _ROW.finditer(body):
        r = int(m.group(1))
        if r < template.data_start:
            kept.append(m.group(0))
        elif r == template.data_start:
            for attrs in _CELL_TAG.findall(m.group(0)):
                ref = re.search(r'\br="([A-Z]+)\d+"', attrs)
                style = re.search(r'\bs="(\d+)"', attrs)
                if ref:
                    styles[ref.group(1)] = style.group(1) if style else ""
    columns = [
        (
            c["letter"],
            c["source"],
            f' s="{styles[c["letter"]]}"' if styles.get(c["letter"]) else "",
            manual.get((template.unit.pk, normalize(c["label"]))),
        )
        for c in mapped
    ]

    out = io.BytesIO()
    cells = count = 0
    # Level 1: the sheet XML is hundreds of MB at county scale; the default level spent ~9 s of a
    # profiled county fill compressing, for a file a fifth smaller (docs/bench/burden.md).
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source_zip.infolist():
            if info.filename != part:
                target.writestr(info, source_zip.read(info.filename))
        with target.open(part, "w", force_zip64=True) as sheet:
            sheet.write(re.sub(r'<dimension ref="[^"]*"/>', "", head).encode())
            sheet.write(b"<sheetData>")
            sheet.write("".join(kept).encode())
            chunk: list[str] = []
            for count, row in enumerate(rows, start=1):  # noqa: B007 - count is used after the loop
                r = template.data_start + count - 1
                parts = [f'<row r="{r}">']
                for letter, source, style, constant in columns:
                    if source == "seq":
                        value = count
                    elif source == MANUAL:
                        value = constant
                    else:
                        value = row.get(source)
                    if value is None or value == "":
                        continue
                    parts.append(_cell_xml(f"{letter}{r}", style, value))
                    cells += 1
                parts.append("</row>")
                chunk.append("".join(parts))
                if len(chunk) >= 2000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
                    if progress and total:
                        progress(min(99, 100 * count // total))
            sheet.write("".join(chunk).encode())
            sheet.write(b"</sheetData>")
            sheet.write(_drop_data_merges(tail, template.data_start).encode())
    return FillResult(content=out.getvalue(), rows=count, cells=cells)


def _drop_data_merges(tail: str, data_start: int) -> str:
    def keep(m) -> bool:
        rows = [int(x) for x in re.findall(r"[A-Z]+(\d+)", m.group(1))]
        return max(rows) < data_start

    kept = [m.group(0) for m in re.finditer(r'<mergeCell ref="([^"]+)"\s*/>', tail) if keep(m)]
    block = f'<mergeCells count="{len(kept)}">{"".join(kept)}</mergeCells>' if kept else ""
    return re.sub(r"<mergeCells\b.*?</mergeCells>", block, tail, flags=re.S)
