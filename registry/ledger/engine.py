"""Planning an import row by row, then writing the plan in bulk inside one transaction.

Every data row ends in exactly one outcome: created, updated, unchanged or quarantined (with a
reason naming the cell, what is wrong and how to fix it). The plan is computed without writing,
so the same code gives the preview (with the fields a match would change) and the import.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

import journal
from core import crypto
from core.masking import mask_id_number, mask_phone
from registry import idcard
from registry.ledger import cells
from registry.ledger.columns import FIELDS
from registry.ledger.table import Table
from registry.models import Household, Person
from registry.pinyin import initials as _initials
from registry.services import id_index, phone_index
from territory.models import AdminUnit


@lru_cache(maxsize=20_000)
def _char_initial(char: str) -> str:
    return _initials(char)


def initials(name: str) -> str:
    """Per character, cached: 200,000 mostly distinct names cost seconds less than whole-name lookups."""
    return "".join(_char_initial(c) for c in name)[:20]


CREATED, UPDATED, UNCHANGED, QUARANTINED = "created", "updated", "unchanged", "quarantined"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, QUARANTINED)
HOUSEHOLD_COLUMNS = ("head_name", "household_no", "address", "village", "group", "household_size")
CHUNK = 2000
PERSON_DIFF_FIELDS = ("name", "sex", "birth_date", "relation", "residence", "id_number", "phone", "note")


class RowResult:
    """What became (or would become) of one source row."""

    __slots__ = ("sheet", "number", "cells", "outcome", "reason", "diff", "name", "person", "filled")

    def __init__(self, sheet: str, number: int, cells_: list):
        self.sheet, self.number, self.cells = sheet, number, cells_
        self.outcome, self.reason, self.diff, self.name = "", "", {}, ""
        self.person: Person | None = None
        self.filled: dict[int, str] = {}  # household cells merged down from the rows above

    def original_cells(self) -> list:
        """The row as written, with merged household cells filled in, so it stands alone when fixed."""
        out = list(self.cells)
        for column, value in self.filled.items():
            out.extend([None] * (column + 1 - len(out)))
            out[column] = value
        return out


@dataclass
class Plan:
    rows: list[RowResult] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)  # per sheet, for the quarantine workbook
    new_households: dict[tuple, Household] = field(default_factory=dict)
    new_people: list[tuple[RowResult, dict]] = field(default_factory=list)
    updates: list[tuple[RowResult, "_Known", dict]] = field(default_factory=list)
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
    if rec["id_ref"] is None:
        return ""
    column, labels = rec["id_ref"]
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
    )

    def __init__(self):
        for name in FIELDS:
            setattr(self, name, "")
        self.key = self.household = None

    def __getitem__(self, name: str):
        return getattr(self, name)

    def __setitem__(self, name: str, value) -> None:
        setattr(self, name, value)


class _Parser:
    """Turns a row's cells into a record of clean values, or a list of reasons naming each bad cell."""

    def __init__(self, unit: AdminUnit):
        self.villages, self.default_village, self.default_grid = _village_lookup(unit)
        self.unit = unit

    def parse(
        self, row: RowResult, mapping: dict[int, str], labels: list[str], carried: dict
    ) -> tuple[dict, list]:
        raw = {f: (row.cells[c] if c < len(row.cells) else None) for c, f in mapping.items()}
        column_of = {f: c for c, f in mapping.items()}
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
        rec["birth_date"] = None
        if "birth_date" in raw:
            try:
                rec["birth_date"] = cells.birth_date(raw["birth_date"])
            except cells.CellError as exc:
                bad("birth_date", str(exc))
        if "phone" in raw:
            try:
                rec["phone"] = cells.phone(raw["phone"])
            except cells.CellError as exc:
                bad("phone", str(exc))
        rec["id_info"] = None
        rec["id_ref"] = (column_of["id_number"], labels) if "id_number" in raw else None
        if "id_number" in raw:
            try:
                typed = cells.id_number(raw["id_number"])
                if typed:
                    rec["id_info"] = idcard.parse(typed)
            except cells.CellError as exc:
                bad("id_number", str(exc))
            except ValidationError as exc:
                bad("id_number", " ".join(exc.messages))
        # Household columns merged down over a household's member rows arrive empty: carry them.
        household_cols = [f for f in HOUSEHOLD_COLUMNS if f in raw and f != "household_size"]
        own = [f for f in ("head_name", "household_no", "address") if f in raw and rec[f]]
        if not own and rec["relation"] != Person.Relation.HEAD and carried:
            for f in household_cols:
                if not rec[f] and carried.get(f):
                    rec[f] = carried[f]
                    row.filled[column_of[f]] = carried[f]
        if "name" not in mapping.values() and rec["head_name"]:
            rec["name"] = rec["head_name"]
            rec["relation"] = rec["relation"] or Person.Relation.HEAD
        if not rec["name"]:
            if "name" in column_of:
                bad("name", _("姓名为空：请填写此人的姓名。"))
            else:
                errors.append(_("第%(row)s行没有姓名：请在“姓名”或“户主姓名”列填写。") % {"row": row.number})
        info = rec["id_info"]
        if info is not None:
            if not cells.same_birth(rec["birth_date"], info.birth_date):
                bad(
                    "birth_date",
                    _("出生日期%(typed)s与身份证号中的%(id)s不一致：请核对哪一个抄错了。")
                    % {"typed": rec["birth_date"].isoformat(), "id": info.birth_date.isoformat()},
                )
            if rec["sex"] and rec["sex"] != info.sex:
                bad(
                    "sex",
                    _("性别与身份证号不一致：身份证号第17位显示为%(sex)s，请核对。")
                    % {"sex": Person.Sex(info.sex).label},
                )
            rec["birth_date"], rec["sex"] = info.birth_date, info.sex
        village, grid = self.default_village, self.default_grid
        if village is None:
            if not rec["village"]:
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
                village = self.villages.get(_norm(rec["village"]))
                if village is None:
                    bad(
                        "village",
                        _("“%(value)s”不是%(unit)s下的村或社区：请核对村名（不含乡镇名）。")
                        % {"value": rec["village"], "unit": self.unit.name},
                    )
        rec["village_obj"], rec["grid_obj"] = village, grid
        if rec["group"] and rec["group"] not in rec["address"]:
            rec["address"] = rec["group"] + rec["address"]
        if not rec["address"] and village is not None:
            rec["address"] = village.name
        if not rec["relation"]:
            rec["relation"] = (
                Person.Relation.HEAD
                if rec["head_name"] and _norm(rec["head_name"]) == _norm(rec["name"])
                else Person.Relation.OTHER
            )
        if rec["relation"] == Person.Relation.HEAD and not rec["head_name"]:
            rec["head_name"] = rec["name"]
        key: tuple | None = None
        # the household's own head and address, as the key was made from them (a new household gets these)
        rec["key_head"], rec["key_address"] = rec["head_name"], rec["address"]
        if village is not None:
            if rec["household_no"]:
                key = ("no", village.pk, rec["household_no"])
            elif rec["head_name"]:
                key = ("head", village.pk, _norm(rec["head_name"]), _norm(rec["address"]))
            else:
                key = carried.get("_key")
                rec["key_head"] = carried.get("_key_head", "")
                rec["key_address"] = carried.get("_key_address", rec["address"])
                if key is None:
                    errors.append(
                        _("第%(row)s行无法判断属于哪一户：请填写“户主姓名”或“户编号”。") % {"row": row.number}
                    )
        rec["key"] = key
        # Carried on even when this row is quarantined, so the next member never joins the wrong household.
        for f in household_cols:
            carried[f] = rec[f]
        carried["_key"] = key
        carried["_key_head"], carried["_key_address"] = rec["key_head"], rec["key_address"]
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
        "id_masked",
        "phone_index",
        "phone_masked",
    )
    __slots__ = FIELDS

    def __init__(self, values):
        for name, value in zip(self.FIELDS, values, strict=True):
            setattr(self, name, value)


def _known(qs):
    columns = ["id", *_Known.FIELDS[1:]]
    return (_Known(v) for v in qs.values_list(*columns).iterator(chunk_size=5000))


def _existing_households(villages: set[int]) -> tuple[dict, dict]:
    by_no, by_head = {}, {}
    qs = Household.objects.filter(village_id__in=villages).only(
        "id", "village_id", "household_no", "head_name", "address", "scope_path", "grid_id"
    )
    for h in qs.iterator(chunk_size=5000):
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
    if rec["name"] and person.name != rec["name"]:
        diff["name"] = [person.name, rec["name"]]
    info = rec["id_info"]
    if info is not None and person.id_index != id_index(info.number):
        diff["id_number"] = [person.id_masked, mask_id_number(info.number)]
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
    if rec["phone"] and person.phone_index != phone_index(rec["phone"]):
        diff["phone"] = [person.phone_masked, mask_phone(rec["phone"])]
    return diff


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
        mapped = set(mapping.values())
        for index, raw in table.data:
            if limit is not None and len(result.rows) >= limit:
                break
            row = RowResult(table.sheet, index + 1, raw)
            result.rows.append(row)
            if progress and len(result.rows) % 5000 == 0:
                progress(len(result.rows), total_rows)
            rec, errors = parser.parse(row, mapping, table.labels, carried)
            rec["mapped"] = mapped
            row.name = rec["name"]
            if errors:
                row.outcome, row.reason = QUARANTINED, "；".join(errors)
                continue
            records.append((row, rec))

    # Duplicates inside the file: the first occurrence wins, later ones are quarantined.
    seen_id: dict[str, int] = {}
    seen_key: dict[tuple, int] = {}
    kept = []
    for row, rec in records:
        info = rec["id_info"]
        rec["id_index"] = id_index(info.number) if info else ""
        if rec["id_index"]:
            first = seen_id.get(rec["id_index"])
            if first is not None:
                row.outcome = QUARANTINED
                row.reason = _(
                    "与第%(first)s行的身份证号相同，同一个人在表里出现了两次：请删除重复的一行，或核对号码。"
                ) % {"first": first}
                continue
            seen_id[rec["id_index"]] = row.number
        key = (rec["key"], _norm(rec["name"]), rec["birth_date"])
        first = seen_key.get(key)
        if first is not None and not rec["id_index"]:
            row.outcome = QUARANTINED
            row.reason = _(
                "与第%(first)s行是同一户里同名同出生日期的人，像是重复登记：请删除重复的一行。"
            ) % {"first": first}
            continue
        seen_key.setdefault(key, row.number)
        kept.append((row, rec))

    villages = {rec["village_obj"].pk for _row, rec in kept}
    by_no, by_head = _existing_households(villages)
    household_of: dict[tuple, Household] = {}
    for _row, rec in kept:
        key = rec["key"]
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
    missing = [i for _row, rec in kept if (i := rec["id_index"]) and i not in existing_by_id]
    for chunk in _chunks(missing):
        for p in _known(Person.objects.filter(id_index__in=chunk)):
            existing_by_id[p.id_index] = p

    prefix = unit.path
    matched: set[int] = set()
    for row, rec in kept:
        household = household_of[rec["key"]]
        person = existing_by_id.get(rec["id_index"]) if rec["id_index"] else None
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
                    and _norm(p.name) == _norm(rec["name"])
                    and cells.same_birth(rec["birth_date"], p.birth_date)
                ),
                # the closest candidate first: same known birth date, same relation, then the oldest record
                key=lambda p: (p.birth_date != rec["birth_date"], p.relation != rec["relation"], p.pk),
            )
            if same:
                candidate = same[0]
                if candidate.id_index and rec["id_index"] and candidate.id_index != rec["id_index"]:
                    row.outcome = QUARANTINED
                    row.reason = _id_ref(rec, row) + _(
                        "本户已登记同名人员“%(name)s”，但身份证号不同：请核对是否为同一人。"
                    ) % {"name": candidate.name}
                    continue
                person = candidate
        if person is None:
            row.outcome = CREATED
            rec["household"] = household
            result.new_people.append((row, rec))
            if household is None and rec["key"] not in result.new_households:
                village = rec["village_obj"]
                grid = rec["grid_obj"]
                result.new_households[rec["key"]] = Household(
                    village=village,
                    grid=grid,
                    scope_path=(grid or village).path,
                    household_no=rec["household_no"][:40],
                    address=rec["key_address"][:200],
                    head_name=rec["key_head"][:50],
                    latitude=village.latitude,
                    longitude=village.longitude,
                )
            continue
        matched.add(person.pk)
        diff = _person_diff(person, rec, rec["mapped"])
        row.person = person
        if diff:
            row.outcome, row.diff = UPDATED, diff
            result.updates.append((row, person, rec))
        else:
            row.outcome = UNCHANGED
    return result


def apply(
    plan_: Plan,
    *,
    actor,
    target,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write the plan in bulk (the caller holds the transaction); one journal entry per chunk of rows."""
    now = timezone.now()
    households = list(plan_.new_households.values())
    for chunk in _chunks(households, CHUNK):
        Household.objects.bulk_create(chunk, batch_size=CHUNK)
    total = len(plan_.new_people) + len(plan_.updates)
    done = 0
    head_changed: set[int] = set()
    for chunk in _chunks(plan_.new_people, CHUNK):
        people = []
        for _row, rec in chunk:
            household = rec["household"] or plan_.new_households[rec["key"]]
            info = rec["id_info"]
            phone = rec["phone"]
            people.append(
                Person(
                    household=household,
                    scope_path=household.scope_path,
                    name=rec["name"][:50],
                    name_initials=initials(rec["name"])[:20],
                    sex=rec["sex"],
                    birth_date=rec["birth_date"],
                    relation=rec["relation"],
                    residence=rec["residence"] or Person.Residence.RESIDENT,
                    note=rec["note"],
                    id_cipher=crypto.encrypt(info.number, context="person.id_number") if info else "",
                    id_index=rec["id_index"],
                    id_masked=mask_id_number(info.number) if info else "",
                    phone_cipher=crypto.encrypt(phone, context="person.phone") if phone else "",
                    phone_index=phone_index(phone) if phone else "",
                    phone_masked=mask_phone(phone),
                    created_at=now,
                    updated_at=now,
                )
            )
            if rec["household"] is not None and rec["relation"] == Person.Relation.HEAD:
                head_changed.add(rec["household"].pk)
        created_ids = _insert_people(people, now)
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
                if f == "id_number":
                    info = rec["id_info"]
                    person.id_cipher = crypto.encrypt(info.number, context="person.id_number")
                    person.id_index = rec["id_index"]
                    person.id_masked = mask_id_number(info.number)
                    fields.update({"id_cipher", "id_index", "id_masked"})
                elif f == "phone":
                    person.phone_cipher = crypto.encrypt(rec["phone"], context="person.phone")
                    person.phone_index = phone_index(rec["phone"])
                    person.phone_masked = mask_phone(rec["phone"])
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
    return plan_.counts()


_PERSON_FIELDS = [f for f in Person._meta.concrete_fields if not f.primary_key]


def _insert_people(people: list[Person], now) -> list[int]:
    """One executemany per chunk: Django's bulk_create spends most of its time compiling SQL per object.

    Values are prepared once per field type (all rows share one timestamp); the new ids are read
    back by that timestamp so the journal can name every person created.
    """
    if not people:
        return []
    quote = connection.ops.quote_name
    table = quote(Person._meta.db_table)
    columns = ", ".join(quote(f.column) for f in _PERSON_FIELDS)
    marks = ", ".join(["%s"] * len(_PERSON_FIELDS))
    stamp = _PERSON_FIELDS[0].model._meta.get_field("created_at").get_db_prep_save(now, connection)
    date_field = Person._meta.get_field("birth_date")
    params = []
    for person in people:
        row = []
        for f in _PERSON_FIELDS:
            if f.attname in ("created_at", "updated_at"):
                row.append(stamp)
            elif f is date_field:
                row.append(f.get_db_prep_save(person.birth_date, connection))
            else:
                row.append(getattr(person, f.attname))
        params.append(row)
    last = Person.objects.filter(created_at=now).order_by("-id").values_list("id", flat=True).first() or 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERTs on PostgreSQL; same transaction, same rollback.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)  # noqa: S608
    return list(
        Person.objects.filter(created_at=now, id__gt=last).order_by("id").values_list("id", flat=True)
    )


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
