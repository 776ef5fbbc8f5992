"""Resident ID numbers (居民身份证号码, GB 11643-1999): normalisation, check digit, derived facts.

Errors carry messages that say what is wrong and what would fix it, in the user's language.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: date
    sex: str  # "M" or "F"
    upgraded_from_15: bool = False


def normalize(raw: object) -> str:
    """Full-width digits to half-width, spaces and separators removed, a lowercase x made upper."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return re.sub(r"[\s\-_'’`]", "", text).upper()


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def upgrade_15(number15: str) -> str:
    """A 15-digit first-generation number becomes 18 digits: century 19 inserted, check digit added."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


def parse(raw: object, *, today: date | None = None) -> IdInfo:
    """Validate and return the 18-digit number with birth date and sex; raise ValidationError otherwise."""
    number = normalize(raw)
    upgraded = False
    if re.fullmatch(r"\d{15}", number):
        number = upgrade_15(number)
        upgraded = True
    if re.fullmatch(r"\d+(\.\d+)?E\+?\d+", number):
        raise ValidationError(
            _(
                "身份证号被表格存成了科学计数法（%(value)s），后几位已经丢失，无法恢复。请在表格中把该列设为“文本”后重新填写完整号码。"
            ),
            code="scientific",
            params={"value": number},
        )
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(
            _("身份证号应为18位（最后一位可以是X），现在是“%(value)s”（%(length)s位）。"),
            code="format",
            params={"value": number, "length": len(number)},
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号第7至14位应是出生日期，“%(value)s”不是有效日期。"),
            code="birth",
            params={"value": number[6:14]},
        ) from None
    today = today or date.today()  # noqa: DTZ011 - a calendar date, not an instant
    if birth > today or birth.year < 1880:
        raise ValidationError(
            _("身份证号中的出生日期%(value)s不合理。"), code="birth", params={"value": birth.isoformat()}
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("身份证号校验位不对：最后一位应为%(expected)s，现在是%(actual)s。请核对号码是否抄错。"),
            code="checksum",
            params={"expected": expected, "actual": number[17]},
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return IdInfo(number=number, birth_date=birth, sex=sex, upgraded_from_15=upgraded)


def make_number(
    area6: str,
    birth: date,
    seq3: int,
) -> str:
    """Build a valid 18-digit number (used for synthetic demo and test data)."""
    first17 = f"{area6}{birth:%Y%m%d}{seq3:03d}"
    return first17 + check_char(first17)
