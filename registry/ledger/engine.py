"""Planning an import row by row, then writing the plan in bulk inside one transaction.

Every data row ends in exactly one outcome: created, updated, unchanged or quarantined (with a
reason naming the cell, what is wrong and how to fix it). The plan is computed without writing,
so the same code gives the preview (with the fields a match would change) and the import.
"""

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import mul
from types import MappingProxyType

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl.utils import get_column_letter

import journal
from core import crypto
from core.masking import mask_id_number, mask_phone
from registry import idcard
from registry.ledger import cells
from registry.ledger.columns import FIELDS, TAG_PREFIX, tag_key, tag_lookup
from registry.ledger.table import Table
from registry.models import Household, Person, Tag
from registry.pinyin import initials as _initials
from territory.models import AdminUnit


@lru_cache(maxsize=20_000)
def _char_initial(char: str) -> str:
    return _initials(char)


def initials(name: str) -> str:
    """Per character, cached: 200,000 mostly distinct names cost seconds less than whole-name lookups."""
    return "".join(_char_initial(c) for c in name)[:20]


@lru_cache(maxsize=8)
def _index_base(key_b64: str, purpose: str):
    return hmac.new(base64.b64decode(key_b64), f"{purpose}:".encode(), hashlib.sha256)


def blind_index(value: str, purpose: str) -> str:
    """core.crypto.blind_index for values already normalised, with the key prepared once, not per row.

    HMAC over "purpose:value" equals the prepared "purpose:" state fed the value; a test pins the two equal.
    """
    if value == "":
        return ""
    h = _index_base(settings.DOORSTEP_INDEX_KEY, purpose).copy()
    h.update(value.encode())
    return h.hexdigest()


def parse_id(typed: str, today: date) -> idcard.IdInfo:
    """idcard.parse for the common case (18 ASCII digits, right check digit, plausible birth date) in a
    few microseconds; anything else goes to idcard.parse, which explains what is wrong."""
    if (
        len(typed) == 18
        and typed.isascii()
        and typed[:17].isdigit()
        and (typed[17].isdigit() or typed[17] == "X")
        and idcard.CHECK_CHARS[sum(map(mul, map(int, typed[:17]), idcard.WEIGHTS)) % 11] == typed[17]
    ):
        try:
            birth = date(int(typed[6:10]), int(typed[10:12]), int(typed[12:14]))
        except ValueError:
            birth = None
        if birth is not None and birth.year >= 1880 and birth <= today:
            return idcard.IdInfo(number=typed, birth_date=birth, sex="M" if int(typed[16]) % 2 else "F")
    return idcard.parse(typed, today=today)


CREATED, UPDATED, UNCHANGED, QUARANTINED = "created", "updated", "unchanged", "quarantined"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, QUARANTINED)
HOUSEHOLD_COLUMNS = (
    "head_name",
    "household_no",
    "address",
    "village",
    "group",
    "household_size",
)
CHUNK = 2000
PERSON_DIFF_FIELDS = ("name", "sex", "birth_date", "relation", "residence", "id_number", "phone", "note")


_EMPTY: Mapping = MappingProxyType({})


class RowResult:
    """What became (or would become) of one source row."""

    __slots__ = (
        "sheet",
        "number",
        "cells",
        "outcome",
        "reason",
        "diff",
        "household_diff",
        "name",
        "person",
        "filled",
    )

    def __init__(self, sheet: str, number: int, cells_: list):
        self.sheet, self.number, self.cells = sheet, number, cells_
        # three dicts per row weigh ~40 MB over 200,000 rows: most rows share the read-only empty one
        self.outcome, self.reason, self.diff, self.name = "", "", _EMPTY, ""
        self.household_diff: Mapping[str, list] = _EMPTY  # the household's own fields this row changes
        self.person: _Known | None = None
        self.filled: Mapping[int, str] = _EMPTY  # household cells merged down from the rows above

    def changes(self) -> list[tuple[str, str, str]]:
        """(field name, old, new) for the preview: the person's changes, then the household's."""
        out = []
        for f, (old, new) in self.diff.items():
            out.append((str(DIFF_LABELS.get(f, f)), old, new))
        for f, (old, new) in self.household_diff.items():
            out.append((str(DIFF_LABELS.get(f, f)), old, new))
        return out

    def original_cells(self) -> list:
        """The row as written, with merged household cells filled in, so it stands alone when fixed."""
        out = list(self.cells)
        for column, value in self.filled.items():
            out.extend([None] * (column + 1 - len(out)))
            out[column] = value
        return out


DIFF_LABELS = {
    **FIELDS,
    "tags": _lazy("标签"),
    "household_tags": _lazy("户标签"),
}


@dataclass
class Plan:
    rows: list[RowResult] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)  # per sheet, for the quarantine workbook
    new_households: dict[tuple, Household] = field(default_factory=dict)
    new_people: list[tuple[RowResult, dict]] = field(default_factory=list)
    updates: list[tuple[RowResult, "_Known", dict]] = field(default_factory=list)
    # existing households whose own fields change: (household, {field: new value}, row, diff)
    household_updates: list[tuple["_KnownHousehold", dict, RowResult, dict]] = field(default_factory=list)
    # tags to add and remove, by tag id: {("person"|"household", owner key): (add ids, remove ids)}
    person_tags: dict[object, tuple[set, set]] = field(default_factory=dict)
    household_tags: dict[object, tuple[set, set]] = field(default_factory=dict)
    warnings: list[dict] = field(default_factory=list)  # 人口数 that disagree, per household
    skipped: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows:
            out[row.outcome] += 1
        return out


def _cell_ref(column: int, row: RowResult, labels: list[str]) -> str:
    label = labels[column] if column < len(labels) and labels[column] else get_column_letter(column + 1)
    return _("“%(label)s”列（%(cell)s）") % {
        "label": label,
        "cell": f"{get_column_letter(column + 1)}{row.number}",
    }


def _village_lookup(unit: AdminUnit) -> tuple[dict[str, AdminUnit], AdminUnit | None, AdminUnit | None]:
    """Villages under the unit by name (with and without 村/社区), the default village and grid."""
    if unit.level == AdminUnit.Level.GRID:
        village = unit.parent
        return {}, village, unit
    if unit.level == AdminUnit.Level.VILLAGE:
        return {}, unit, None
    villages = AdminUnit.objects.filter(level=AdminUnit.Level.VILLAGE, path__startswith=unit.path)
    names: dict[str, AdminUnit] = {}
    for village in villages:
        key = cells.text(village.name).replace(" ", "")
        names[key] = village
        for suffix in ("村委会", "社区", "居委会", "村"):
            if key.endswith(suffix) and len(key) > len(suffix):
                names.setdefault(key[: -len(suffix)], village)
    return names, None, None


def _norm(value: str) -> str:
    return cells.text(value).replace(" ", "")


def _id_ref(rec: dict, row: RowResult) -> str:
    """The ID cell's name, made only for the rows that need it in a reason."""
    if rec.id_ref is None:
        return ""
    column, labels = rec.id_ref
    return _cell_ref(column, row, labels)


class _Rec:
    """One row's clean values. Slots, not a dict: 200,000 of them live at once during planning."""

    __slots__ = (
        *FIELDS,
        "id_info",
        "id_ref",
        "village_obj",
        "grid_obj",
        "key",
        "key_head",
        "key_address",
        "mapped",
        "id_index",
        "household",
        "own_address",
        "tag_yes",
        "tag_said",
    )

    def __init__(self):
        for name in FIELDS:
            setattr(self, name, "")
        self.key = self.household = None
        self.tag_yes = self.tag_said = _NO_TAGS

    def __getitem__(self, name: str):
        return getattr(self, name)

    def __setitem__(self, name: str, value) -> None:
        setattr(self, name, value)


_NO_TAGS: frozenset = frozenset()


class _Parser:
    """Turns a row's cells into a record of clean values, or a list of reasons naming each bad cell."""

    def __init__(self, unit: AdminUnit):
        self.villages, self.default_village, self.default_grid = _village_lookup(unit)
        self.unit = unit
        self.today = date.today()  # noqa: DTZ011 - a calendar date, as idcard.parse uses
        self.tags = {t.code: t for t in Tag.objects.filter(county__path=unit.county_path)}
        self.tag_by_key = tag_lookup(self.tags.values())
        self._grids: dict[int, dict[str, AdminUnit]] = {}

    def known_tags(self) -> str:
        return "、".join(t.name for t in self.tags.values()) or _("（本县还没有建任何标签）")

    def grid(self, village: AdminUnit, name: str) -> AdminUnit | None:
        if village.pk not in self._grids:
            self._grids[village.pk] = {
                _norm(g.name): g for g in AdminUnit.objects.filter(parent=village, level=AdminUnit.Level.GRID)
            }
        grids = self._grids[village.pk]
        return grids.get(_norm(name)) or grids.get(_norm(name).removesuffix("网格"))

    def grid_names(self, village: AdminUnit) -> str:
        return "、".join(g.name for g in self._grids.get(village.pk, {}).values()) or _("（没有网格）")

    def parse(
        self,
        row: RowResult,
        mapping: dict[int, str],
        labels: list[str],
        carried: dict,
        said: set[str] | None = None,
    ) -> tuple[dict, list]:
        raw = {f: (row.cells[c] if c < len(row.cells) else None) for c, f in mapping.items()}
        column_of = {f: c for c, f in mapping.items()}
        tag_columns = [(f, c) for c, f in mapping.items() if f == "tags" or f.startswith(TAG_PREFIX)]
        said = said if said is not None else set()
        errors: list[str] = []

        def bad(field_name: str, message: str) -> None:
            errors.append(_cell_ref(column_of[field_name], row, labels) + message)

        rec = _Rec()
        for f in ("name", "head_name", "address", "village", "group", "household_no", "note"):
            if f in raw:
                rec[f] = cells.text(raw[f])
        for f, fn in (("sex", cells.sex), ("relation", cells.relation), ("residence", cells.residence)):
            if f in raw:
                try:
                    rec[f] = fn(raw[f])
                except cells.CellError as exc:
                    bad(f, str(exc))
        rec.birth_date = None
        if "birth_date" in raw:
            try:
                rec.birth_date = cells.birth_date(raw["birth_date"])
            except cells.CellError as exc:
                bad("birth_date", str(exc))
        if "phone" in raw:
            try:
                rec.phone = cells.phone(raw["phone"])
            except cells.CellError as exc:
                bad("phone", str(exc))
        rec.id_info = None
        rec.id_ref = (column_of["id_number"], labels) if "id_number" in raw else None
        if "id_number" in raw:
            try:
                typed = cells.id_number(raw["id_number"])
                if typed:
                    rec.id_info = parse_id(typed, self.today)
            except cells.CellError as exc:
                bad("id_number", str(exc))
            except ValidationError as exc:
                bad("id_number", " ".join(exc.messages))
        # Household columns merged down over a household's member rows arrive empty: carry them.
        if "occupancy" in raw:
            try:
                rec.occupancy = cells.occupancy(raw["occupancy"])
            except cells.CellError as exc:
                bad("occupancy", str(exc))
        if "grid" in raw:
            rec.grid = cells.text(raw["grid"])
        if "household_size" in raw:
            rec.household_size = cells.text(raw["household_size"])
        if tag_columns:
            yes: set[str] = set()
            for f, column in tag_columns:
                if f == "tags":
                    for word in cells.word_list(raw[f]):
                        tag = self.tag_by_key.get(tag_key(word))
                        if tag is None:
                            bad(
                                "tags",
                                _(
                                    "“%(value)s”不是已有的标签（已有：%(known)s）：请改成其中之一，或先在标签管理里新建。"
                                )
                                % {"value": word, "known": self.known_tags()},
                            )
                        else:
                            yes.add(tag.code)
                            said.add(tag.code)  # a 类别 column speaks for the tags that appear in it
                    continue
                try:
                    if cells.yes_no(raw[f]):
                        yes.add(f[len(TAG_PREFIX) :])
                except cells.CellError as exc:
                    errors.append(_cell_ref(column, row, labels) + str(exc))
            rec.tag_yes, rec.tag_said = yes, said
        household_cols = [f for f in HOUSEHOLD_COLUMNS if f in raw and f != "household_size"]
        own = [f for f in ("head_name", "household_no", "address") if f in raw and rec[f]]
        if not own and rec.relation != Person.Relation.HEAD and carried:
            for f in household_cols:
                if not rec[f] and carried.get(f):
                    rec[f] = carried[f]
                    row.filled = {**row.filled, column_of[f]: carried[f]}
        if "name" not in mapping.values() and rec.head_name:
            rec.name = rec.head_name
            rec.relation = rec.relation or Person.Relation.HEAD
        if not rec.name:
            if "name" in column_of:
                bad("name", _("姓名为空：请填写此人的姓名。"))
            else:
                errors.append(_("第%(row)s行没有姓名：请在“姓名”或“户主姓名”列填写。") % {"row": row.number})
        info = rec.id_info
        if info is not None:
            if not cells.same_birth(rec.birth_date, info.birth_date):
                bad(
                    "birth_date",
                    _("出生日期%(typed)s与身份证号中的%(id)s不一致：请核对哪一个抄错了。")
                    % {"typed": rec.birth_date.isoformat(), "id": info.birth_date.isoformat()},
                )
            if rec.sex and rec.sex != info.sex:
                bad(
                    "sex",
                    _("性别与身份证号不一致：身份证号第17位显示为%(sex)s，请核对。")
                    % {"sex": Person.Sex(info.sex).label},
                )
            rec.birth_date, rec.sex = info.birth_date, info.sex
        village, grid = self.default_village, self.default_grid
        if village is None:
            if not rec.village:
                if "village" in column_of:
                    bad("village", _("村名为空：导入到乡镇或县时，每一行都要写明所在村。"))
                else:
                    errors.append(
                        _(
                            "第%(row)s行不知道属于哪个村：导入到乡镇或县时，表格需要有“村”列，或改为导入到某个村。"
                        )
                        % {"row": row.number}
                    )
            else:
                village = self.villages.get(_norm(rec.village))
                if village is None:
                    bad(
                        "village",
                        _("“%(value)s”不是%(unit)s下的村或社区：请核对村名（不含乡镇名）。")
                        % {"value": rec.village, "unit": self.unit.name},
                    )
        rec.village_obj, rec.grid_obj = village, grid
        address_given = bool(rec.address)
        if rec.group and rec.group not in rec.address:
            rec.address = rec.group + rec.address
        # only a written address updates a known household's; a 组 alone is not an address
        rec.own_address = rec.address if address_given else ""
        if rec.grid and village is not None:
            found = self.grid(village, rec.grid)
            if found is None:
                bad(
                    "grid",
                    _("“%(value)s”不是%(village)s的网格（有：%(grids)s）：请核对网格名称。")
                    % {"value": rec.grid, "village": village.name, "grids": self.grid_names(village)},
                )
            elif self.default_grid is not None and found != self.default_grid:
                bad(
                    "grid",
                    _("导入到“%(grid)s”时只能填本网格：这一行写的是“%(value)s”，请改导入到村。")
                    % {"grid": self.default_grid.name, "value": rec.grid},
                )
            else:
                rec.grid_obj = found
        if not rec.address and village is not None:
            rec.address = village.name
        if not rec.relation:
            rec.relation = (
                Person.Relation.HEAD
                if rec.head_name and _norm(rec.head_name) == _norm(rec.name)
                else Person.Relation.OTHER
            )
        if rec.relation == Person.Relation.HEAD and not rec.head_name:
            rec.head_name = rec.name
        key: tuple | None = None
        # the household's own head and address, as the key was made from them (a new household gets these)
        rec.key_head, rec.key_address = rec.head_name, rec.address
        if village is not None:
            if rec.household_no:
                key = ("no", village.pk, rec.household_no)
            elif rec.head_name:
                key = ("head", village.pk, _norm(rec.head_name), _norm(rec.address))
            else:
                key = carried.get("_key")
                rec.key_head = carried.get("_key_head", "")
                rec.key_address = carried.get("_key_address", rec.address)
                if key is None:
                    errors.append(
                        _("第%(row)s行无法判断属于哪一户：请填写“户主姓名”或“户编号”。") % {"row": row.number}
                    )
        rec.key = key
        # Carried on even when this row is quarantined, so the next member never joins the wrong household.
        for f in household_cols:
            carried[f] = rec[f]
        carried["_key"] = key
        carried["_key_head"], carried["_key_address"] = rec.key_head, rec.key_address
        return rec, errors


class _Known:
    """An existing person, as little of it as matching and diffing need (200,000 model instances weigh ~1 GB)."""

    FIELDS = (
        "pk",
        "household_id",
        "scope_path",
        "name",
        "sex",
        "birth_date",
        "relation",
        "residence",
        "note",
        "id_index",
        "phone_index",
    )  # the masked ID and phone are read only for the rows whose diff shows them (_fill_masked)
    __slots__ = FIELDS

    def __init__(self, values):
        for name, value in zip(self.FIELDS, values, strict=True):
            setattr(self, name, value)


_SHARED_KNOWN = ("scope_path", "sex", "relation", "residence")


def _known(qs):
    """Existing people as _Known, their few distinct short values (scope, sex, relation, 居住状态)
    shared rather than one string per person."""
    columns = ["id", *_Known.FIELDS[1:]]
    shared: dict[str, str] = {}
    for values in qs.values_list(*columns).iterator(chunk_size=5000):
        person = _Known(values)
        for name in _SHARED_KNOWN:
            value = getattr(person, name)
            setattr(person, name, shared.setdefault(value, value))
        yield person


class _KnownHousehold:
    """An existing household, as little of it as matching and updating need (model instances weigh
    ~4x as much: ~70 MB for a 200,000-row ledger's households)."""

    FIELDS = (
        "pk",
        "village_id",
        "household_no",
        "head_name",
        "address",
        "occupancy",
        "scope_path",
        "grid_id",
    )
    __slots__ = FIELDS

    def __init__(self, values):
        for name, value in zip(self.FIELDS, values, strict=True):
            setattr(self, name, value)


def _existing_households(villages: set[int]) -> tuple[dict, dict]:
    by_no, by_head = {}, {}
    shared: dict[str, str] = {}  # scope paths and 居住情况 repeat across thousands of households
    columns = ["id", *_KnownHousehold.FIELDS[1:]]
    qs = Household.objects.filter(village_id__in=villages).values_list(*columns)
    for values in qs.iterator(chunk_size=5000):
        h = _KnownHousehold(values)
        h.scope_path = shared.setdefault(h.scope_path, h.scope_path)
        h.occupancy = shared.setdefault(h.occupancy, h.occupancy)
        if h.household_no:
            by_no[(h.village_id, h.household_no)] = h
        by_head.setdefault((h.village_id, _norm(h.head_name), _norm(h.address)), h)
    return by_no, by_head


def _chunks(items: list, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _person_diff(person: Person, rec: dict, mapped: set[str]) -> dict:
    """Fields the row would change; a blank cell means "not known here", never "erase"."""
    diff: dict[str, list] = {}
    if rec.name and person.name != rec.name:
        diff["name"] = [person.name, rec.name]
    info = rec.id_info
    if info is not None and person.id_index != rec.id_index:
        diff["id_number"] = [_MASKED_LATER, mask_id_number(info.number)]
    for f in ("sex", "birth_date", "relation", "residence", "note"):
        if f not in mapped and not (f in ("sex", "birth_date") and info is not None):
            continue
        if f == "relation" and "relation" not in mapped and "head_name" not in mapped:
            continue
        new = rec[f]
        if new in ("", None):
            continue
        old = getattr(person, f)
        if f == "birth_date" and old is not None and cells.same_birth(new, old):
            continue  # 1956.03 in the ledger does not erase a known day
        if old != new:
            diff[f] = [_display(f, old), _display(f, new)]
    if rec.phone and person.phone_index != blind_index(rec.phone, "person.phone"):
        diff["phone"] = [_MASKED_LATER, mask_phone(rec.phone)]
    return diff


_MASKED_LATER = object()  # the registry's masked value, filled in by _fill_masked


def _fill_masked(updates: list) -> None:
    """The old masked ID and phone of the people whose diff changes them, read for those rows only."""
    wanted = [known.pk for row, known, _rec in updates if {"id_number", "phone"} & row.diff.keys()]
    masked: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(wanted):
        for pk, id_masked, phone_masked in Person.objects.filter(pk__in=chunk).values_list(
            "pk", "id_masked", "phone_masked"
        ):
            masked[pk] = (id_masked, phone_masked)
    for row, known, _rec in updates:
        for name, index in (("id_number", 0), ("phone", 1)):
            if name in row.diff and row.diff[name][0] is _MASKED_LATER:
                row.diff[name][0] = masked.get(known.pk, ("", ""))[index]


_CHOICES = {"sex": Person.Sex, "relation": Person.Relation, "residence": Person.Residence}


def _display(field_name: str, value) -> str:
    if value in ("", None):
        return ""
    if field_name in _CHOICES:
        return str(_CHOICES[field_name](value).label)
    return str(value)


def plan(
    *,
    unit: AdminUnit,
    tables: list[tuple[Table, dict[int, str]]],
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Decide every row's outcome without writing anything."""
    parser = _Parser(unit)
    result = Plan()
    total_rows = sum(len(t.data) for t, _m in tables)
    records: list[tuple[RowResult, dict]] = []
    for table, mapping in tables:
        result.labels[table.sheet] = table.labels
        for kind, n in table.skipped.items():
            result.skipped[kind] = result.skipped.get(kind, 0) + n
        carried: dict = {}
        mapping = {
            c: f
            for c, f in mapping.items()
            if not f.startswith(TAG_PREFIX) or f[len(TAG_PREFIX) :] in parser.tags
        }
        mapped = set(mapping.values())
        # The tags this sheet speaks for: one column per tag, plus every tag named in a 类别 column.
        said = {f[len(TAG_PREFIX) :] for f in mapped if f.startswith(TAG_PREFIX)}
        for index, raw in table.data:
            if limit is not None and len(result.rows) >= limit:
                break
            row = RowResult(table.sheet, index + 1, raw)
            result.rows.append(row)
            if progress and len(result.rows) % 5000 == 0:
                progress(len(result.rows), total_rows)
            rec, errors = parser.parse(row, mapping, table.labels, carried, said)
            rec.mapped = mapped
            row.name = rec.name
            if errors:
                row.outcome, row.reason = QUARANTINED, "；".join(errors)
                continue
            records.append((row, rec))

    # Duplicates inside the file: the first occurrence wins, later ones are quarantined.
    seen_id: dict[str, int] = {}
    seen_key: dict[tuple, int] = {}
    kept = []
    for row, rec in records:
        info = rec.id_info
        # the number is normalised already, so the blind index skips id_index's normalisation
        rec.id_index = blind_index(info.number, "person.id_number") if info else ""
        if rec.id_index:
            first = seen_id.get(rec.id_index)
            if first is not None:
                row.outcome = QUARANTINED
                row.reason = _(
                    "与第%(first)s行的身份证号相同，同一个人在表里出现了两次：请删除重复的一行，或核对号码。"
                ) % {"first": first}
                continue
            seen_id[rec.id_index] = row.number
        key = (rec.key, _norm(rec.name), rec.birth_date)
        first = seen_key.get(key)
        if first is not None and not rec.id_index:
            row.outcome = QUARANTINED
            row.reason = _(
                "与第%(first)s行是同一户里同名同出生日期的人，像是重复登记：请删除重复的一行。"
            ) % {"first": first}
            continue
        seen_key.setdefault(key, row.number)
        kept.append((row, rec))

    villages = {rec.village_obj.pk for _row, rec in kept}
    by_no, by_head = _existing_households(villages)
    household_of: dict[tuple, _KnownHousehold | None] = {}
    for _row, rec in kept:
        key = rec.key
        if key in household_of:
            continue
        if key[0] == "no":
            household_of[key] = by_no.get((key[1], key[2]))
        else:
            household_of[key] = by_head.get((key[1], key[2], key[3]))
    touched = [h.pk for h in household_of.values() if h is not None]
    members: dict[int, list[_Known]] = {}
    existing_by_id: dict[str, _Known] = {}
    for chunk in _chunks(touched):
        for p in _known(Person.objects.filter(household_id__in=chunk).order_by("id")):
            members.setdefault(p.household_id, []).append(p)
            if p.id_index:
                existing_by_id[p.id_index] = p
    # people registered elsewhere (another household, maybe outside the unit) are looked up by ID only
    missing = [i for _row, rec in kept if (i := rec.id_index) and i not in existing_by_id]
    for chunk in _chunks(missing):
        for p in _known(Person.objects.filter(id_index__in=chunk)):
            existing_by_id[p.id_index] = p

    prefix = unit.path
    matched: set[int] = set()
    for row, rec in kept:
        household = household_of[rec.key]
        person = existing_by_id.get(rec.id_index) if rec.id_index else None
        if person is not None and not person.scope_path.startswith(prefix):
            row.outcome = QUARANTINED
            row.reason = _id_ref(rec, row) + _(
                "这个身份证号已经登记在本次导入范围以外的户里：请先与该户所在的村核实，不要重复登记。"
            )
            continue
        if person is None and household is not None:
            same = sorted(
                (
                    p
                    for p in members.get(household.pk, [])
                    if p.pk not in matched
                    and _norm(p.name) == _norm(rec.name)
                    and cells.same_birth(rec.birth_date, p.birth_date)
                ),
                # the closest candidate first: same known birth date, same relation, then the oldest record
                key=lambda p: (p.birth_date != rec.birth_date, p.relation != rec.relation, p.pk),
            )
            if same:
                candidate = same[0]
                if candidate.id_index and rec.id_index and candidate.id_index != rec.id_index:
                    row.outcome = QUARANTINED
                    row.reason = _id_ref(rec, row) + _(
                        "本户已登记同名人员“%(name)s”，但身份证号不同：请核对是否为同一人。"
                    ) % {"name": candidate.name}
                    continue
                person = candidate
        if person is None:
            row.outcome = CREATED
            rec.household = household
            result.new_people.append((row, rec))
            if household is None and rec.key not in result.new_households:
                village = rec.village_obj
                grid = rec.grid_obj
                result.new_households[rec.key] = Household(
                    village_id=village.pk,
                    grid_id=grid.pk if grid is not None else None,
                    scope_path=(grid or village).path,
                    household_no=rec.household_no[:40],
                    address=rec.key_address[:200],
                    head_name=rec.key_head[:50],
                    latitude=village.latitude,
                    longitude=village.longitude,
                )
            continue
        matched.add(person.pk)
        diff = _person_diff(person, rec, rec.mapped)
        row.person = person
        if diff:
            row.outcome, row.diff = UPDATED, diff
            result.updates.append((row, person, rec))
        else:
            row.outcome = UNCHANGED
    if parser.tags and any(rec.tag_said for _row, rec in kept):
        _plan_person_tags(result, kept, parser.tags)
    _fill_masked(result.updates)
    _plan_households(result, kept, household_of, parser.tags)
    _check_sizes(result, records, household_of, members)
    return result


def _tag_names(codes, tags: dict[str, Tag]) -> str:
    return "、".join(sorted((tags[c].name for c in codes if c in tags), key=lambda n: n)) or "—"


def _plan_person_tags(result: Plan, kept: list, tags: dict[str, Tag]) -> None:
    """A present tag column decides its tag for the row's person; tags it does not speak for stay."""
    person_codes = {c for c, t in tags.items() if t.scope == Tag.Scope.PERSON}
    id_of = {c: tags[c].pk for c in person_codes}
    code_of = {v: k for k, v in id_of.items()}
    known_pks = [row.person.pk for row, rec in kept if row.person is not None and rec.tag_said & person_codes]
    held: dict[int, set[str]] = {}
    for chunk in _chunks(known_pks):
        for person_id, tag_id in Person.tags.through.objects.filter(
            person_id__in=chunk, tag_id__in=list(code_of)
        ).values_list("person_id", "tag_id"):
            held.setdefault(person_id, set()).add(code_of[tag_id])
    for row, rec in kept:
        said = rec.tag_said & person_codes
        if not said or row.outcome == QUARANTINED:
            continue
        want = rec.tag_yes & said
        if row.outcome == CREATED:
            if want:
                result.person_tags[row] = ({id_of[c] for c in want}, set())
            continue
        old = held.get(row.person.pk, set())
        new = (old - said) | want
        if new == old:
            continue
        result.person_tags[row.person.pk] = ({id_of[c] for c in new - old}, {id_of[c] for c in old - new})
        row.diff = {**row.diff, "tags": [_tag_names(old, tags), _tag_names(new, tags)]}
        if row.outcome == UNCHANGED:
            row.outcome = UPDATED
            result.updates.append((row, row.person, rec))


def _plan_households(result: Plan, kept: list, household_of: dict, tags: dict[str, Tag]) -> None:
    """A known household takes its address, 居住情况, grid and household tags from the ledger's rows.

    Per household the first non-blank value in file order counts (a blank cell never erases; the
    address only of a household keyed by 户编号, as head and address are the others' identity); a
    household tag is on when any of the household's rows says so, off when its column is present and
    none does. The change is shown on, and counted with, the household's first row in the file.
    """
    household_codes = {c for c, t in tags.items() if t.scope == Tag.Scope.HOUSEHOLD}
    by_key: dict[tuple, list] = {}
    for row, rec in kept:
        if row.outcome != QUARANTINED:
            by_key.setdefault(rec.key, []).append((row, rec))
    existing = [household_of[k].pk for k in by_key if household_of.get(k) is not None]
    held: dict[int, set[str]] = {}
    if household_codes and existing and any(rec.tag_said & household_codes for _r, rec in kept):
        code_of = {tags[c].pk: c for c in household_codes}
        for chunk in _chunks(existing):
            for household_id, tag_id in Household.tags.through.objects.filter(
                household_id__in=chunk, tag_id__in=list(code_of)
            ).values_list("household_id", "tag_id"):
                held.setdefault(household_id, set()).add(code_of[tag_id])
    for key, rows in by_key.items():
        household = household_of.get(key)
        said: set[str] = set()
        want: set[str] = set()
        values: dict[str, object] = {}
        for _row, rec in rows:
            said |= rec.tag_said & household_codes
            want |= rec.tag_yes & household_codes
            # a household found by head and address has that address as its identity: a member row
            # writing another one (its head left blank) names a different place, not a move; changing it
            # would lose the household on the next import. Only a 户编号 household can move.
            if rec.own_address and key[0] == "no" and "address" not in values:
                values["address"] = rec.own_address[:200]
            if rec.occupancy and "occupancy" not in values:
                values["occupancy"] = rec.occupancy
            if rec.grid and rec.grid_obj is not None and "grid" not in values:
                values["grid"] = rec.grid_obj
        want &= said
        first_row, first_rec = rows[0]
        if household is None:
            new = result.new_households.get(key)
            if new is None:
                continue  # every row matched someone registered in another household
            if values.get("occupancy"):
                new.occupancy = values["occupancy"]
            if want:
                result.household_tags[key] = ({tags[c].pk for c in want}, set())
            continue
        changes: dict[str, object] = {}
        diff: dict[str, list] = {}
        if "address" in values and _norm(values["address"]) != _norm(household.address):
            changes["address"] = values["address"]
            diff["address"] = [household.address, values["address"]]
        if "occupancy" in values and values["occupancy"] != household.occupancy:
            changes["occupancy"] = values["occupancy"]
            diff["occupancy"] = [
                str(Household.Occupancy(household.occupancy).label),
                str(Household.Occupancy(values["occupancy"]).label),
            ]
        grid = values.get("grid")
        if grid is not None and grid.pk != household.grid_id:
            changes["grid"] = grid
            old_grid = AdminUnit.objects.filter(pk=household.grid_id).values_list("name", flat=True).first()
            diff["grid"] = [old_grid or "", grid.name]
        if said:
            old = held.get(household.pk, set())
            new_codes = (old - said) | want
            if new_codes != old:
                result.household_tags[household.pk] = (
                    {tags[c].pk for c in new_codes - old},
                    {tags[c].pk for c in old - new_codes},
                )
                diff["household_tags"] = [_tag_names(old, tags), _tag_names(new_codes, tags)]
        if not diff:
            continue
        first_row.household_diff = diff
        result.household_updates.append((household, changes, first_row, diff))
        if first_row.outcome == UNCHANGED:
            first_row.outcome = UPDATED


def _household_size(value: str) -> int | None:
    text = value.replace(" ", "").removesuffix("人").removesuffix("口")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and number >= 0 else None


def _check_sizes(result: Plan, records: list, household_of: dict, members: dict) -> None:
    """人口数 against the people the household has after this import: a warning, never a quarantine.

    Ledgers' 人口数 is often out of date, so a disagreement is reported for someone to look at; the
    rows themselves are imported as they are.
    """
    declared: dict[tuple, tuple[RowResult, str, str]] = {}
    created: dict[tuple, int] = {}
    in_file: dict[tuple, int] = {}
    for row, rec in records:
        key = rec.key
        if key is None:
            continue
        in_file[key] = in_file.get(key, 0) + 1
        if row.outcome == CREATED:
            created[key] = created.get(key, 0) + 1
        if rec.household_size and key not in declared:
            declared[key] = (row, rec.household_size, rec.key_head or rec.name)
    for key, (row, typed, head) in declared.items():
        household = household_of.get(key)
        counted = created.get(key, 0) + (len(members.get(household.pk, [])) if household is not None else 0)
        number = _household_size(typed)
        if number == counted:
            continue
        if number is None:
            message = _("%(head)s户：人口数“%(value)s”不是一个数字，没有核对。") % {
                "head": head,
                "value": typed,
            }
        else:
            message = _(
                "%(head)s户：人口数填的是%(declared)s人，本表列出%(listed)s人，导入后登记在册%(counted)s人，请核对。"
            ) % {"head": head, "declared": number, "listed": in_file[key], "counted": counted}
        result.warnings.append(
            {"sheet": row.sheet, "row": row.number, "declared": typed, "counted": counted, "message": message}
        )


def apply(
    plan_: Plan,
    *,
    actor,
    target,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write the plan in bulk (the caller holds the transaction); one journal entry per chunk of rows."""
    now = timezone.now()
    _update_households(plan_, actor=actor, target=target, now=now)
    households = list(plan_.new_households.values())
    for chunk in _chunks(households, CHUNK):
        _insert_households(chunk, now)
    total = len(plan_.new_people) + len(plan_.updates)
    done = 0
    head_changed: set[int] = set()
    person_tag_rows: list = []
    for chunk in _chunks(plan_.new_people, CHUNK):
        people = []
        for _row, rec in chunk:
            household = rec.household or plan_.new_households[rec.key]
            info = rec.id_info
            phone = rec.phone
            # plain values, not Person instances: Model.__init__ cost more than the INSERT itself
            people.append(
                {
                    "household_id": household.pk,
                    "scope_path": household.scope_path,
                    "name": rec.name[:50],
                    "name_initials": initials(rec.name)[:20],
                    "sex": rec.sex,
                    "birth_date": rec.birth_date,
                    "relation": rec.relation,
                    "residence": rec.residence or Person.Residence.RESIDENT,
                    "note": rec.note,
                    "id_cipher": crypto.encrypt(info.number, context="person.id_number") if info else "",
                    "id_index": rec.id_index,
                    "id_masked": mask_id_number(info.number) if info else "",
                    "phone_cipher": crypto.encrypt(phone, context="person.phone") if phone else "",
                    "phone_index": blind_index(phone, "person.phone") if phone else "",
                    "phone_masked": mask_phone(phone),
                }
            )
            if rec.household is not None and rec.relation == Person.Relation.HEAD:
                head_changed.add(rec.household.pk)
        created_ids = _insert_people(people, now)
        if plan_.person_tags:
            for (row, _rec), pk in zip(chunk, created_ids, strict=True):
                if row in plan_.person_tags:
                    person_tag_rows.append((pk, plan_.person_tags[row]))
        journal.record(
            actor=actor,
            action="registry.ledger.rows_written",
            target=target,
            data={
                "created_people": created_ids,
                "rows": [chunk[0][0].number, chunk[-1][0].number],
            },
        )
        done += len(chunk)
        if progress:
            progress(done, total)
    for chunk in _chunks(plan_.updates, CHUNK):
        changes = {}
        by_fields: dict[frozenset, list[Person]] = {}
        for row, known, rec in chunk:
            # a partial instance: only the fields this row changes are written (grouped by field set below)
            person = Person(pk=known.pk, household_id=known.household_id)
            fields: set[str] = {"updated_at"}
            diff = row.diff
            for f in diff:
                if f == "tags":
                    continue  # written with the other tag changes below
                if f == "id_number":
                    info = rec.id_info
                    person.id_cipher = crypto.encrypt(info.number, context="person.id_number")
                    person.id_index = rec.id_index
                    person.id_masked = mask_id_number(info.number)
                    fields.update({"id_cipher", "id_index", "id_masked"})
                elif f == "phone":
                    person.phone_cipher = crypto.encrypt(rec.phone, context="person.phone")
                    person.phone_index = blind_index(rec.phone, "person.phone")
                    person.phone_masked = mask_phone(rec.phone)
                    fields.update({"phone_cipher", "phone_index", "phone_masked"})
                else:
                    setattr(person, f, rec[f])
                    fields.add(f)
                    if f == "name":
                        person.name_initials = initials(person.name)[:20]
                        fields.add("name_initials")
            if {"name", "relation"} & diff.keys():
                head_changed.add(person.household_id)
            person.updated_at = now
            changes[str(person.pk)] = diff
            by_fields.setdefault(frozenset(fields), []).append(person)
        for fields_, people in by_fields.items():
            Person.objects.bulk_update(people, sorted(fields_), batch_size=CHUNK)
        journal.record(
            actor=actor,
            action="registry.ledger.rows_written",
            target=target,
            data={"updated_people": changes},
        )
        done += len(chunk)
        if progress:
            progress(done, total)
    _refresh_heads(head_changed)
    person_tag_rows += [(k, v) for k, v in plan_.person_tags.items() if isinstance(k, int)]
    _write_tags(Person.tags.through, "person_id", person_tag_rows)
    household_tag_rows = [
        (k if isinstance(k, int) else plan_.new_households[k].pk, v) for k, v in plan_.household_tags.items()
    ]
    _write_tags(Household.tags.through, "household_id", household_tag_rows)
    return plan_.counts()


def _update_households(plan_: Plan, *, actor, target, now) -> None:
    """Known households' own fields (address, 居住情况, grid); a new grid moves their people's scope too."""
    for chunk in _chunks(plan_.household_updates, CHUNK):
        by_fields: dict[frozenset, list[Household]] = {}
        changes: dict[str, dict] = {}
        for known, values, _row, diff in chunk:
            household = Household(pk=known.pk)  # a partial instance: only the changed fields are written
            fields = {"updated_at"}
            for name, value in values.items():
                setattr(household, name, value)
                fields.add(name)
                if name == "grid":
                    # the household's new people (written after this) take the new scope too
                    known.grid_id, known.scope_path = value.pk, value.path
                    household.scope_path = value.path
                    fields.add("scope_path")
                    Person.objects.filter(household_id=household.pk).update(scope_path=value.path)
                else:
                    setattr(known, name, value)
            household.updated_at = now
            changes[str(household.pk)] = diff
            if values:
                by_fields.setdefault(frozenset(fields), []).append(household)
        for fields_, items in by_fields.items():
            Household.objects.bulk_update(items, sorted(fields_), batch_size=CHUNK)
        journal.record(
            actor=actor,
            action="registry.ledger.rows_written",
            target=target,
            data={"updated_households": changes},
        )


def _write_tags(through, owner: str, rows: list[tuple[int, tuple[set, set]]]) -> None:
    """Tag changes in bulk: one insert for every tag added, one delete per tag removed."""
    added = [through(**{owner: pk, "tag_id": tag_id}) for pk, (add, _remove) in rows for tag_id in add]
    through.objects.bulk_create(added, batch_size=CHUNK, ignore_conflicts=True)
    removed: dict[int, list[int]] = {}
    for pk, (_add, remove) in rows:
        for tag_id in remove:
            removed.setdefault(tag_id, []).append(pk)
    for tag_id, owners in removed.items():
        for chunk in _chunks(owners):
            through.objects.filter(**{"tag_id": tag_id, f"{owner}__in": chunk}).delete()


def _insert_rows(model, rows: list[dict], now) -> list[int]:
    """One executemany (COPY on PostgreSQL) per chunk: Django's bulk_create spends most of its time
    compiling SQL per object.

    Rows are plain dicts by attname; timestamps and dates are adapted once per type (all rows share
    one timestamp), and the new ids are read back by that timestamp, in insertion order, so the
    journal can name every row created.
    """
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    stamp = model._meta.get_field("created_at").get_db_prep_save(now, connection)
    adapt_date = connection.ops.adapt_datefield_value
    dates = [f.attname for f in fields if f.get_internal_type() == "DateField"]
    names = [f.attname for f in fields]
    params = []
    for row in rows:
        row["created_at"] = row["updated_at"] = stamp
        for name in dates:
            row[name] = adapt_date(row[name])
        params.append([row[name] for name in names])
    manager = model._base_manager
    # by primary key only (created_at has no index); the timestamp then picks ours among later ids
    last = manager.order_by("-id").values_list("id", flat=True).first() or 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERTs on PostgreSQL; same transaction, same rollback.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)  # noqa: S608
    return list(manager.filter(created_at=now, id__gt=last).order_by("id").values_list("id", flat=True))


def _insert_people(people: list[dict], now) -> list[int]:
    return _insert_rows(Person, people, now)


_HOUSEHOLD_FIELDS = [
    f.attname
    for f in Household._meta.concrete_fields
    if not f.primary_key and f.attname not in ("created_at", "updated_at")
]


def _insert_households(households: list[Household], now) -> None:
    rows = [{name: getattr(h, name) for name in _HOUSEHOLD_FIELDS} for h in households]
    ids = _insert_rows(Household, rows, now)
    for household, pk in zip(households, ids, strict=True):
        household.pk = pk
        household._state.adding = False


def _refresh_heads(household_ids: set[int]) -> None:
    ids = sorted(household_ids)
    for chunk in _chunks(ids):
        heads: dict[int, str] = {}
        for hid, name in (
            Person.objects.filter(household_id__in=chunk, relation=Person.Relation.HEAD)
            .order_by("household_id", "id")
            .values_list("household_id", "name")
        ):
            heads.setdefault(hid, name)
        for household in Household.objects.filter(pk__in=chunk).only("id", "head_name"):
            name = heads.get(household.pk, "")
            if household.head_name != name:
                household.head_name = name
                household.save(update_fields=["head_name"])
