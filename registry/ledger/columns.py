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
    "occupancy": _("户居住情况"),
    "grid": _("网格"),
    "tags": _("类别（可填多个标签）"),
    "note": _("备注"),
}
# A column for one tag (是/否, √) maps to "tag:<code>" of one of the county's tags; see tag_field().
TAG_PREFIX = "tag:"

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
    "occupancy": [
        "户居住情况",
        "户居住状态",
        "居住情况(户)",
        "家庭居住情况",
        "户状态",
        "住房状态",
        "房屋状态",
    ],
    "grid": ["网格", "所属网格", "网格名称", "网格名"],
    "note": ["备注", "说明"],
}
# Compared exactly, never as a label's ending: "残疾类别" holds kinds of disability, not tags.
EXACT_ONLY = {
    "tags": [
        "类别",
        "人员类别",
        "标签",
        "户类别",
        "人群类别",
        "重点人群类别",
        "特殊人群类别",
        "帮扶类别",
        "救助类别",
    ],
}
# The names offices give a mark, keyed by the name counties usually give the tag. A county's tag
# matches by its own name or code too; these add the variants ("是否低保", "五保户").
TAG_SYNONYMS = {
    "低保": ["低保户", "低保对象", "低保人员", "最低生活保障", "城乡低保", "农村低保"],
    "特困": ["特困人员", "特困供养", "特困供养人员", "五保", "五保户", "分散供养特困人员"],
    "独居老人": ["独居", "独居老年人", "空巢独居老人", "独居空巢老人"],
    "脱贫监测户": ["监测户", "防返贫监测户", "监测对象", "防止返贫监测对象", "三类户"],
    "残疾": ["残疾人", "持证残疾人"],
    "留守儿童": ["留守", "农村留守儿童"],
    "留守老人": ["农村留守老人"],
    "退役军人": ["退伍军人", "复员退伍军人"],
}
IGNORED = ["序号", "编号", "原因", "年龄", "民族", "文化程度", "政治面貌"]


def normalise_label(label) -> str:
    text = unicodedata.normalize("NFKC", str(label or ""))
    text = re.sub(r"[\s*:：]", "", text)
    return text.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")


_EXACT = {normalise_label(s): field for field, words in SYNONYMS.items() for s in words}
_EXACT.update({normalise_label(s): "" for s in IGNORED})
_WHOLE = {normalise_label(s): field for field, words in EXACT_ONLY.items() for s in words}
_BY_LENGTH = sorted(((k, v) for k, v in _EXACT.items() if v and len(k) >= 2), key=lambda kv: -len(kv[0]))


def match(label: str) -> str | None:
    """The field for one label: exact synonym first, then the longest synonym the label ends with."""
    key = normalise_label(label)
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key] or None
    if key in _WHOLE:
        return _WHOLE[key]
    for synonym, field in _BY_LENGTH:
        if key.endswith(synonym):
            return field
    return None


def is_known(label: str) -> bool:
    key = normalise_label(label)
    return key in _EXACT or key in _WHOLE


def is_field(value: str) -> bool:
    """A mapping target: a dictionary field, or a tag column ("tag:<code>", checked against the county)."""
    return value in FIELDS or (value.startswith(TAG_PREFIX) and len(value) > len(TAG_PREFIX))


_TAG_WORDS = {normalise_label(s): name for name, words in TAG_SYNONYMS.items() for s in words}


def tag_key(word: str) -> str:
    """The comparable form of a tag's name as a ledger writes it: 是否低保 / 低保户 / 五保 -> 低保 / 特困."""
    key = normalise_label(word)
    for prefix in ("是否为", "是否"):
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
    key = re.sub(r"\(.*?\)$", "", key) or key
    return normalise_label(_TAG_WORDS.get(key, key))


def tag_lookup(tags) -> dict[str, object]:
    """The county's tags by every form a ledger may use: name, code, and the dictionary's variants."""
    out: dict[str, object] = {}
    for tag in tags:
        out.setdefault(tag_key(tag.name), tag)
        out.setdefault(normalise_label(tag.code), tag)
    return out


def signature(labels: list[str]) -> str:
    """Identifies a layout: the same header labels in the same order give the same signature."""
    joined = "\x1f".join(normalise_label(label) for label in labels)
    return hashlib.sha256(joined.encode()).hexdigest()[:40]
