"""Writes to households and people. The UI, the API, the ledger import and commands all call these."""

import re
import unicodedata
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import journal
from core import crypto
from core.masking import mask_id_number, mask_phone
from registry import idcard
from registry.models import Household, Person, Tag
from registry.pinyin import initials
from territory.models import AdminUnit
from territory.selectors import unit_in_scope

PII_FIELDS = {"id_number": "id_cipher", "phone": "phone_cipher"}


def _require(actor, perm: str, unit: AdminUnit) -> None:
    if actor is None:  # system jobs (demo data, migrations)
        return
    if not actor.has_perm(perm) or not unit_in_scope(user=actor, unit=unit):
        raise PermissionDenied(_("您没有权限在“%(unit)s”办理此事") % {"unit": unit.name})


def normalize_phone(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "")
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    if digits and not re.fullmatch(r"\d{7,12}", digits):
        raise ValidationError(
            {"phone": _("电话号码“%(value)s”格式不对，应为11位手机号或带区号的座机号。") % {"value": raw}}
        )
    return digits


def _set_id_number(person: Person, raw: str) -> None:
    if not raw:
        person.id_cipher = person.id_index = person.id_masked = ""
        return
    try:
        info = idcard.parse(raw)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    if person.birth_date and person.birth_date != info.birth_date:
        raise ValidationError(
            {
                "birth_date": _("出生日期与身份证号不一致：身份证号显示为%(date)s。")
                % {"date": info.birth_date.isoformat()}
            }
        )
    if person.sex and person.sex != info.sex:
        raise ValidationError(
            {
                "sex": _("性别与身份证号不一致：身份证号第17位显示为%(sex)s。")
                % {"sex": Person.Sex(info.sex).label}
            }
        )
    person.birth_date = info.birth_date
    person.sex = info.sex
    person.id_cipher = crypto.encrypt(info.number, context="person.id_number")
    person.id_index = id_index(info.number)
    person.id_masked = mask_id_number(info.number)


def id_index(number: str) -> str:
    return crypto.blind_index(idcard.normalize(number), purpose="person.id_number")


def phone_index(phone: str) -> str:
    return crypto.blind_index(phone, purpose="person.phone")


def _set_phone(person: Person, raw: str) -> None:
    phone = normalize_phone(raw)
    person.phone_cipher = crypto.encrypt(phone, context="person.phone") if phone else ""
    person.phone_index = phone_index(phone) if phone else ""
    person.phone_masked = mask_phone(phone)


def _duplicate_id(person: Person) -> None:
    if person.id_index and Person.objects.filter(id_index=person.id_index).exclude(pk=person.pk).exists():
        raise ValidationError({"id_number": _("这个身份证号已经登记在别的户里，请先查找此人。")})


@transaction.atomic
def household_create(
    *,
    actor,
    village: AdminUnit,
    address: str,
    grid: AdminUnit | None = None,
    occupancy: str = Household.Occupancy.RESIDENT,
    household_no: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    note: str = "",
    tags: list[Tag] | None = None,
) -> Household:
    """A household belongs to a village (and optionally one of its grids) inside the actor's jurisdiction."""
    if village.level != AdminUnit.Level.VILLAGE:
        raise ValidationError({"village": _("户必须挂在村或社区下")})
    if grid is not None and grid.parent_id != village.pk:
        raise ValidationError({"grid": _("网格不属于所选的村")})
    scope_unit = grid or village
    _require(actor, "registry.add_household", scope_unit)
    household = Household(
        village=village,
        grid=grid,
        scope_path=scope_unit.path,
        address=address.strip(),
        occupancy=occupancy,
        household_no=household_no.strip(),
        latitude=latitude if latitude is not None else village.latitude,
        longitude=longitude if longitude is not None else village.longitude,
        note=note,
    )
    household.full_clean()
    household.save()
    if tags:
        household.tags.set(tags)
    journal.record(
        actor=actor, action="registry.household.created", target=household, data={"village": village.code}
    )
    return household


HOUSEHOLD_EDITABLE = {"address", "occupancy", "household_no", "latitude", "longitude", "note"}


@transaction.atomic
def household_update(*, actor, household: Household, tags: list[Tag] | None = None, **changes) -> Household:
    """Only the listed fields change; the journal keeps which ones and their old and new values."""
    _require(actor, "registry.change_household", household.grid or household.village)
    unknown = set(changes) - HOUSEHOLD_EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    diff = {}
    for name, value in changes.items():
        old = getattr(household, name)
        if old != value:
            diff[name] = [old, value]
            setattr(household, name, value)
    if tags is not None:
        old_tags = sorted(t.code for t in household.tags.all())
        new_tags = sorted(t.code for t in tags)
        if old_tags != new_tags:
            household.tags.set(tags)
            diff["tags"] = [old_tags, new_tags]
    if diff:
        household.full_clean()
        household.save()
        journal.record(
            actor=actor, action="registry.household.updated", target=household, data={"changed": diff}
        )
    return household


def _refresh_head_name(household: Household) -> None:
    head = household.members.filter(relation=Person.Relation.HEAD).order_by("id").first()
    name = head.name if head else ""
    if household.head_name != name:
        household.head_name = name
        household.save(update_fields=["head_name"])


@transaction.atomic
def person_create(
    *,
    actor,
    household: Household,
    name: str,
    id_number: str = "",
    sex: str = "",
    birth_date: date | None = None,
    phone: str = "",
    relation: str = Person.Relation.OTHER,
    residence: str = Person.Residence.RESIDENT,
    tags: list[Tag] | None = None,
    note: str = "",
) -> Person:
    """Sex and birth date come from a valid ID number when one is given, and must agree with it."""
    _require(actor, "registry.add_person", household.grid or household.village)
    name = unicodedata.normalize("NFKC", name).strip()
    person = Person(
        household=household,
        scope_path=household.scope_path,
        name=name,
        name_initials=initials(name),
        sex=sex,
        birth_date=birth_date,
        relation=relation,
        residence=residence,
        note=note,
    )
    _set_id_number(person, id_number)
    _set_phone(person, phone)
    _duplicate_id(person)
    person.full_clean()
    person.save()
    if tags:
        person.tags.set(tags)
    if relation == Person.Relation.HEAD:
        _refresh_head_name(household)
    journal.record(
        actor=actor,
        action="registry.person.created",
        target=person,
        data={"household": household.pk, "id_masked": person.id_masked},
    )
    return person


PERSON_EDITABLE = {"name", "sex", "birth_date", "relation", "residence", "note", "id_number", "phone"}


@transaction.atomic
def person_update(*, actor, person: Person, tags: list[Tag] | None = None, **changes) -> Person:
    """Changes are journaled by field; personal data appears there only masked."""
    _require(actor, "registry.change_person", person.household.grid or person.household.village)
    unknown = set(changes) - PERSON_EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    diff: dict[str, list] = {}
    if "id_number" in changes:
        new = changes.pop("id_number")
        old_masked, old_index = person.id_masked, person.id_index
        if new != "" and "birth_date" not in changes:
            person.birth_date = None
        if new != "" and "sex" not in changes:
            person.sex = ""
        _set_id_number(person, new)
        if person.id_index != old_index:
            diff["id_number"] = [old_masked, person.id_masked]
            _duplicate_id(person)
    if "phone" in changes:
        old_masked, old_index = person.phone_masked, person.phone_index
        _set_phone(person, changes.pop("phone"))
        if person.phone_index != old_index:
            diff["phone"] = [old_masked, person.phone_masked]
    for name, value in changes.items():
        old = getattr(person, name)
        if old != value:
            diff[name] = [str(old) if old is not None else None, str(value) if value is not None else None]
            setattr(person, name, value)
    if "name" in diff:
        person.name_initials = initials(person.name)
    if tags is not None:
        old_tags = sorted(t.code for t in person.tags.all())
        new_tags = sorted(t.code for t in tags)
        if old_tags != new_tags:
            person.tags.set(tags)
            diff["tags"] = [old_tags, new_tags]
    if diff:
        person.full_clean()
        person.save()
        if {"relation", "name"} & diff.keys():
            _refresh_head_name(person.household)
        journal.record(actor=actor, action="registry.person.updated", target=person, data={"changed": diff})
    return person


@transaction.atomic
def person_reveal(*, actor, person: Person, field: str, purpose: str) -> str:
    """Show one unmasked value: needs the full-view permission and a purpose, and is always journaled."""
    if field not in PII_FIELDS:
        raise ValueError(field)
    if not actor.has_perm("registry.view_full_pii") or not unit_in_scope(
        user=actor, unit=person.household.grid or person.household.village
    ):
        raise PermissionDenied(_("您没有查看完整个人信息的权限"))
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationError({"purpose": _("请写明查看的用途，例如“核对低保申请”。")})
    journal.record(
        actor=actor,
        action="registry.person.pii_viewed",
        target=person,
        data={"field": field, "purpose": purpose[:200]},
    )
    return crypto.decrypt(getattr(person, PII_FIELDS[field]), context=f"person.{field}")


@transaction.atomic
def tag_create(
    *, actor, county: AdminUnit, code: str, name: str, scope: str = Tag.Scope.PERSON, sort_order: int = 0
) -> Tag:
    """Each county keeps its own tag list."""
    if county.level != AdminUnit.Level.COUNTY:
        raise ValidationError({"county": _("标签按县设置")})
    if actor is not None and not (actor.is_superuser or actor.role == "administrator"):
        raise PermissionDenied(_("只有系统管理员可以维护标签"))
    tag = Tag(county=county, code=code, name=name, scope=scope, sort_order=sort_order)
    tag.full_clean()
    tag.save()
    journal.record(actor=actor, action="registry.tag.created", target=tag, data={"code": code})
    return tag
