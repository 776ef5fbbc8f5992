from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from registry import selectors, services

router = Router(tags=["registry"])


class TagOut(Schema):
    code: str
    name: str


class PersonOut(Schema):
    id: int
    household_id: int
    name: str
    sex: str
    birth_date: date | None
    id_number_masked: str
    phone_masked: str
    relation: str
    residence: str
    tags: list[TagOut]

    @staticmethod
    def resolve_id_number_masked(obj):
        return obj.id_masked

    @staticmethod
    def resolve_phone_masked(obj):
        return obj.phone_masked

    @staticmethod
    def resolve_tags(obj):
        return list(obj.tags.all())


class HouseholdOut(Schema):
    id: int
    household_no: str
    village_id: int
    village_name: str
    grid_id: int | None
    address: str
    head_name: str
    occupancy: str
    latitude: float | None
    longitude: float | None

    @staticmethod
    def resolve_village_name(obj):
        return obj.village.name


class HouseholdDetailOut(HouseholdOut):
    members: list[PersonOut]

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.all())


class HouseholdFilters(Schema):
    village: int | None = None
    grid: int | None = None
    tag: str | None = None
    occupancy: str | None = None
    q: str | None = None


class PersonFilters(Schema):
    village: int | None = None
    tag: str | None = None
    residence: str | None = None
    min_age: int | None = None
    q: str | None = None


class RevealIn(Schema):
    field: str
    purpose: str


class RevealOut(Schema):
    field: str
    value: str


@router.get("/households", response=list[HouseholdOut], summary="辖区内的户")
@paginate
def list_households(request, filters: Query[HouseholdFilters]):
    return selectors.household_list(user=request.auth, filters=filters.dict(exclude_none=True))


@router.get("/households/{household_id}", response=HouseholdDetailOut, summary="一户及其成员（脱敏）")
def get_household(request, household_id: int):
    return selectors.household_get(user=request.auth, pk=household_id)


@router.get("/people", response=list[PersonOut], summary="辖区内的人员（脱敏）")
@paginate
def list_people(request, filters: Query[PersonFilters]):
    return selectors.person_list(user=request.auth, filters=filters.dict(exclude_none=True))


@router.get("/people/{person_id}", response=PersonOut, summary="一个人员（脱敏）")
def get_person(request, person_id: int):
    return selectors.person_get(user=request.auth, pk=person_id)


@router.post(
    "/people/{person_id}/reveal", response=RevealOut, summary="查看完整身份证号或电话（需权限，留痕）"
)
def reveal_person(request, person_id: int, payload: RevealIn):
    person = selectors.person_get(user=request.auth, pk=person_id)
    if payload.field not in services.PII_FIELDS:
        raise HttpError(422, "field must be id_number or phone")
    try:
        value = services.person_reveal(
            actor=request.auth, person=person, field=payload.field, purpose=payload.purpose
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    return {"field": payload.field, "value": value}
