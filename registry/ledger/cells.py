"""Normalising one ledger cell. Each function returns a clean value or raises CellError with a fix."""

import re
import unicodedata
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from registry.models import Person

EXCEL_EPOCH = date(1899, 12, 30)
_UNTIDY = re.compile(r"^\s|\s$|\s\s|[^\S ]")


class MonthDate(date):
    """A birth date written to the month only (1956.03, 1956年3月): day 1 stands in for "unknown day"."""


def same_birth(typed: date | None, known: date | None) -> bool:
    if typed is None or known is None:
        return True
    if isinstance(typed, MonthDate):
        return (typed.year, typed.month) == (known.year, known.month)
    return typed == known


class CellError(ValueError):
    """What is wrong with a cell and how to fix it, in the user's language."""


def text(value) -> str:
    """Full-width to half-width (NFKC), inner runs of spaces collapsed, ends trimmed; None becomes ""."""
    if type(value) is str:  # most cells: skip the checks for numbers and dates
        out = value
    elif value is None:
        return ""
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        out = str(value)
    if not unicodedata.is_normalized("NFKC", out):
        out = unicodedata.normalize("NFKC", out)
    if _UNTIDY.search(out) is None:
        return out  # the very same string object: no copy of every clean cell
    return " ".join(out.split())


def raw_text(value) -> str:
    """The cell as the user typed it, for the quarantine workbook (numbers without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def id_number(value) -> str:
    """An ID as typed: numbers and scientific notation are detected here (digits lost: never guessed)."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        if not value.is_integer() or value >= 1e15:
            raise CellError(
                _(
                    "身份证号被表格存成了数字（%(value)s），后几位已经丢失，无法恢复。"
                    "请把该列设为“文本”格式，重新填写完整号码。"
                )
                % {"value": f"{value:.5E}"}
            )
        value = int(value)
    if isinstance(value, int):
        digits = str(value)
        # 18-digit numbers exceed a double's 15-16 significant digits: Excel already zeroed the tail.
        if len(digits) > 15:
            raise CellError(
                _(
                    "身份证号被表格存成了数字（%(value)s），超过15位的部分已被改成0，无法恢复。"
                    "请把该列设为“文本”格式，重新填写完整号码。"
                )
                % {"value": digits}
            )
        return digits
    cleaned = re.sub(r"[\s\-_'’`]", "", unicodedata.normalize("NFKC", str(value))).upper()
    if re.fullmatch(r"\d+(\.\d+)?E\+?\d+", cleaned):
        raise CellError(
            _(
                "身份证号被表格存成了科学计数法（%(value)s），后几位已经丢失，无法恢复。"
                "请把该列设为“文本”格式，重新填写完整号码。"
            )
            % {"value": cleaned}
        )
    return cleaned


DATE_PATTERNS = [
    (re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"), 3),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), 3),
    (re.compile(r"(\d{4})[-/.年](\d{1,2})月?"), 2),
    (re.compile(r"(\d{4})(\d{2})"), 2),
]


def birth_date(value) -> date | None:
    """Excel serials, 1956.03, 1956年3月, 19560312, 1956/3/12, 1956-03-12; a month alone means day 1."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if 1000 <= number < 80000 and number.is_integer():
            return EXCEL_EPOCH + timedelta(days=int(number))
        if 1800 < number < 2200 and not number.is_integer():
            # 1956.03 typed into a number cell: year.month (1956.1 is October, as written)
            year, month = f"{number:.2f}".split(".")
            made = _make(int(year), int(month), 1, value)
            return MonthDate(made.year, made.month, 1)
        value = raw_text(value)
    cleaned = text(value).replace(" ", "")
    for pattern, parts in DATE_PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match:
            numbers = [int(g) for g in match.groups()]
            made = _make(numbers[0], numbers[1], numbers[2] if parts == 3 else 1, value)
            return made if parts == 3 else MonthDate(made.year, made.month, 1)
    raise CellError(
        _("“%(value)s”不是能识别的日期。请写成1956-03-12、1956/3/12、19560312或1956年3月这样的格式。")
        % {"value": raw_text(value)}
    )


def _make(year: int, month: int, day: int, original) -> date:
    try:
        result = date(year, month, day)
    except ValueError:
        raise CellError(
            _("“%(value)s”不是有效日期（月份或日子超出范围），请核对后重填。") % {"value": raw_text(original)}
        ) from None
    if result.year < 1880 or result > date.today():  # noqa: DTZ011 - a calendar date
        raise CellError(_("出生日期“%(value)s”不合理，请核对后重填。") % {"value": raw_text(original)})
    return result


SEX_WORDS = {"男": "M", "女": "F", "m": "M", "f": "F", "男性": "M", "女性": "F", "1": "M", "2": "F"}


def sex(value) -> str:
    cleaned = text(value).lower()
    if not cleaned:
        return ""
    if cleaned in SEX_WORDS:
        return SEX_WORDS[cleaned]
    raise CellError(_("性别“%(value)s”无法识别，请填“男”或“女”。") % {"value": raw_text(value)})


RELATION_WORDS = {
    Person.Relation.HEAD: ["户主", "本人", "户主本人", "本户"],
    Person.Relation.SPOUSE: ["配偶", "妻", "夫", "妻子", "丈夫", "之妻", "之夫", "爱人"],
    Person.Relation.CHILD: [
        "子",
        "女",
        "儿子",
        "女儿",
        "长子",
        "次子",
        "三子",
        "长女",
        "次女",
        "三女",
        "子女",
    ],
    Person.Relation.CHILD_IN_LAW: ["儿媳", "女婿", "媳", "儿媳妇", "儿媳/女婿"],
    Person.Relation.GRANDCHILD: ["孙子", "孙女", "外孙", "外孙女", "孙", "孙子女"],
    Person.Relation.PARENT: ["父亲", "母亲", "父", "母", "父母", "公公", "婆婆", "岳父", "岳母"],
    Person.Relation.SIBLING: ["兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟姐妹"],
    Person.Relation.OTHER: ["其他", "其它"],
}
_RELATIONS = {word: code for code, words in RELATION_WORDS.items() for word in words}


def relation(value) -> str:
    cleaned = text(value).replace(" ", "")
    if not cleaned:
        return ""
    if cleaned in _RELATIONS:
        return _RELATIONS[cleaned]
    raise CellError(
        _("与户主关系“%(value)s”无法识别，请填户主、配偶、子、女、儿媳、孙子、父亲、母亲、兄弟姐妹或其他。")
        % {"value": raw_text(value)}
    )


RESIDENCE_WORDS = {
    Person.Residence.RESIDENT: ["常住", "在家", "在村", "居住", "常住在家", "是"],
    Person.Residence.MIGRANT_WORK: ["外出务工", "务工", "外出打工", "打工", "外出"],
    Person.Residence.AWAY_STUDY: ["外出就学", "上学", "就学", "读书", "在外上学"],
    Person.Residence.AWAY_OTHER: ["其他外出", "外出其他"],
    Person.Residence.MOVED_OUT: ["迁出", "已迁出", "户口迁出"],
    Person.Residence.DECEASED: ["死亡", "已故", "去世", "已去世"],
}
_RESIDENCES = {word: code for code, words in RESIDENCE_WORDS.items() for word in words}


def residence(value) -> str:
    cleaned = text(value).replace(" ", "")
    if not cleaned:
        return ""
    if cleaned in _RESIDENCES:
        return _RESIDENCES[cleaned]
    raise CellError(
        _("居住状态“%(value)s”无法识别，请填常住、外出务工、外出就学、其他外出、迁出或死亡。")
        % {"value": raw_text(value)}
    )


def phone(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", str(value)))
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    if not re.fullmatch(r"\d{7,12}", cleaned):
        raise CellError(
            _("电话号码“%(value)s”格式不对，应为11位手机号或带区号的座机号。") % {"value": raw_text(value)}
        )
    return cleaned


OCCUPANCY_WORDS = {
    "resident": ["常住", "在家", "在住", "居住", "常住户", "正常居住"],
    "away": ["外出", "全家外出", "举家外出", "外出户", "长期外出", "不在家"],
    "vacant": ["空置", "无人居住", "空房", "闲置", "空置房", "已拆除"],
}
_OCCUPANCIES = {word: code for code, words in OCCUPANCY_WORDS.items() for word in words}


def occupancy(value) -> str:
    """A household's 居住情况: 常住, 外出 or 空置 (and the words offices use for them)."""
    cleaned = text(value).replace(" ", "")
    if not cleaned:
        return ""
    if cleaned in _OCCUPANCIES:
        return _OCCUPANCIES[cleaned]
    raise CellError(_("户居住情况“%(value)s”无法识别，请填常住、外出或空置。") % {"value": raw_text(value)})


_YES = {"是", "√", "✓", "✔", "☑", "●", "1", "Y", "YES", "有", "TRUE", "对"}
_NO = {"否", "×", "✗", "✘", "0", "N", "NO", "无", "不是", "FALSE", "-", "—", "/"}


def yes_no(value) -> bool:
    """A one-tag column's cell: 是 / √ / 1 / Y mean yes; 否 / 0 / N / 无 and a blank cell mean no."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    cleaned = text(value).replace(" ", "").upper()
    if not cleaned or cleaned in _NO:
        return False
    if cleaned in _YES:
        return True
    raise CellError(
        _("“%(value)s”无法识别：这一列只填“是”或“否”（也可以用√、1、Y表示是，留空表示否）。")
        % {"value": raw_text(value)}
    )


_LIST_SPLIT = re.compile(r"[、,，;；/／\s]+")


def word_list(value) -> list[str]:
    """A 类别 cell with several marks: 低保、残疾 / 低保,残疾 / 低保 残疾. 无 or 否 means none."""
    cleaned = text(value)
    words = [w for w in _LIST_SPLIT.split(cleaned) if w]
    return [w for w in words if w.upper() not in _NO]
