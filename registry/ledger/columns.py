"""The column synonym dictionary: the many names offices give the same column.

Labels are compared after normalisation (full-width to half-width, spaces, line breaks, asterisks
and colons removed, brackets unified), so "姓名（户主）" and "姓名(户主) *" are the same label.
"""

import hashlib
import re
import unicodedata

from django.utils.translation import gettext_lazy as _

FIELDS = {
    "name": _("姓名"),
    "head_name": _("户主姓名"),
    "id_number": _("身份证号"),
    "phone": _("联系电话"),
    "relation": _("与户主关系"),
    "sex": _("性别"),
    "birth_date": _("出生日期"),
    "residence": _("居住状态"),
    "address": _("住址"),
    "village": _("村/社区"),
    "group": _("组"),
    "household_no": _("户编号"),
    "household_size": _("人口数"),
    "note": _("备注"),
}

SYNONYMS = {
    "name": ["姓名", "成员姓名", "家庭成员姓名", "人员姓名", "名字", "家庭成员", "成员"],
    "head_name": ["户主姓名", "户主", "姓名(户主)", "户主名", "户主名字", "户主姓名(户代表)", "户代表"],
    "id_number": [
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "身份证",
        "证件号码",
        "身份证件号码",
        "公民身份证号码",
        "身份证号(18位)",
    ],
    "phone": ["联系电话", "手机号", "手机号码", "电话", "手机", "联系方式", "电话号码", "联系电话(手机)"],
    "relation": ["与户主关系", "与户主的关系", "关系", "家庭关系", "与户主关系(称谓)"],
    "sex": ["性别"],
    "birth_date": ["出生日期", "出生年月", "出生年月日", "生日", "出生时间"],
    "residence": ["居住状态", "居住情况", "是否常住", "在家情况", "常住情况", "外出情况", "居住状况"],
    "address": ["住址", "家庭住址", "地址", "现住址", "居住地址", "户籍地址", "家庭地址", "门牌号"],
    "village": ["村", "村名", "行政村", "所属村", "村(社区)", "社区", "村/社区", "所在村", "村委会"],
    "group": ["组", "村组", "村民小组", "小组", "组别", "所在组", "村/组", "村民组"],
    "household_no": ["户编号", "户号", "家庭编号", "户籍编号", "户主编号"],
    "household_size": ["人口数", "家庭人口", "户人口数", "人数", "家庭人口数", "家庭人数", "户籍人口"],
    "note": ["备注", "说明"],
}
IGNORED = ["序号", "编号", "原因", "年龄", "民族", "文化程度", "政治面貌"]


def normalise_label(label) -> str:
    text = unicodedata.normalize("NFKC", str(label or ""))
    text = re.sub(r"[\s*:：]", "", text)
    return text.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")


_EXACT = {normalise_label(s): field for field, words in SYNONYMS.items() for s in words}
_EXACT.update({normalise_label(s): "" for s in IGNORED})
_BY_LENGTH = sorted(((k, v) for k, v in _EXACT.items() if v and len(k) >= 2), key=lambda kv: -len(kv[0]))


def match(label: str) -> str | None:
    """The field for one label: exact synonym first, then the longest synonym the label ends with."""
    key = normalise_label(label)
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key] or None
    for synonym, field in _BY_LENGTH:
        if key.endswith(synonym):
            return field
    return None


def is_known(label: str) -> bool:
    return normalise_label(label) in _EXACT


def signature(labels: list[str]) -> str:
    """Identifies a layout: the same header labels in the same order give the same signature."""
    joined = "\x1f".join(normalise_label(label) for label in labels)
    return hashlib.sha256(joined.encode()).hexdigest()[:40]
