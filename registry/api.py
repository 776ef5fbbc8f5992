from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
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
    min_age: int | None = Field(None, ge=0, le=120)  # as the page's form; a year out of range was a 500
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


# --- Ledger (台账) import: upload -> preview -> confirm -> status ------------------------------


class LedgerImportOut(Schema):
    id: int
    unit_code: str
    original_name: str
    status: str
    data_rows: int
    created: int
    updated: int
    unchanged: int
    quarantined: int
    skipped: dict[str, int]
    warnings: list[dict]
    error: str
    progress: dict

    @staticmethod
    def resolve_unit_code(obj):
        return obj.unit.code

    @staticmethod
    def resolve_created(obj):
        return obj.created_count

    @staticmethod
    def resolve_updated(obj):
        return obj.updated_count

    @staticmethod
    def resolve_unchanged(obj):
        return obj.unchanged_count

    @staticmethod
    def resolve_quarantined(obj):
        return obj.quarantined_count

    @staticmethod
    def resolve_progress(obj):
        from registry.ledger.services import progress_read

        return progress_read(obj)


class SheetOut(Schema):
    name: str
    header_rows: list[int]
    labels: list[str]
    mapping: dict[str, str]
    remembered: bool
    samples: list[list[str]]
    skipped: dict[str, int]
    data_rows: int


class RowChangeOut(Schema):
    sheet: str
    row: int
    name: str
    changes: dict[str, list[str]]


class RowReasonOut(Schema):
    sheet: str
    row: int
    reason: str


class PreviewOut(Schema):
    ledger_import: LedgerImportOut
    fields: dict[str, str]
    sheets: list[SheetOut]
    counts: dict[str, int]
    data_rows: int
    planned_rows: int
    limited: bool
    updates: list[RowChangeOut]
    quarantined: list[RowReasonOut]


class ConfirmIn(Schema):
    mapping: dict[str, dict[str, str]] | None = None


def _preview_out(user, ledger_import, mapping=None) -> dict:
    from registry.ledger.services import field_choices, ledger_preview

    preview = ledger_preview(actor=user, ledger_import=ledger_import, mapping=mapping)
    return {
        "ledger_import": ledger_import,
        "fields": dict(field_choices(ledger_import.unit)),
        "sheets": [
            {
                "name": s.name,
                "header_rows": s.header_rows,
                "labels": s.labels,
                "mapping": {str(k): v for k, v in s.mapping.items()},
                "remembered": s.remembered,
                "samples": s.samples,
                "skipped": s.skipped,
                "data_rows": s.data_rows,
            }
            for s in preview.sheets
        ],
        "counts": preview.counts,
        "data_rows": preview.data_rows,
        "planned_rows": preview.planned_rows,
        "limited": preview.limited,
        "updates": [
            {"sheet": r.sheet, "row": r.number, "name": r.name, "changes": {**r.diff, **r.household_diff}}
            for r in preview.updates
        ],
        "quarantined": [{"sheet": r.sheet, "row": r.number, "reason": r.reason} for r in preview.quarantined],
    }


@router.post("/ledger/imports", response={201: PreviewOut}, summary="上传台账并预览（尚未导入）")
def upload_ledger(request, unit: Form[str], file: File[UploadedFile]):
    from core.uploads import check_size
    from registry.ledger.services import ledger_upload

    target = _unit_for(request.auth, unit)
    try:
        check_size(file.size)
    except ValidationError as exc:
        raise HttpError(413, " ".join(exc.messages)) from None
    try:
        ledger_import = ledger_upload(
            actor=request.auth, unit=target, content=file.read(), filename=file.name
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    return Status(201, _preview_out(request.auth, ledger_import))


@router.get("/ledger/imports/{import_id}", response=LedgerImportOut, summary="导入状态、进度和四项计数")
def get_ledger_import(request, import_id: int):
    return selectors.ledger_import_get(user=request.auth, pk=import_id)


@router.get("/ledger/imports/{import_id}/preview", response=PreviewOut, summary="表头、列对应和变化预览")
def preview_ledger_import(request, import_id: int):
    ledger_import = selectors.ledger_import_get(user=request.auth, pk=import_id)
    try:
        return _preview_out(request.auth, ledger_import)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None


@router.post(
    "/ledger/imports/{import_id}/confirm", response={202: LedgerImportOut}, summary="确认列对应并开始导入"
)
def confirm_ledger_import(request, import_id: int, payload: ConfirmIn):
    from registry.ledger.services import ledger_confirm

    ledger_import = selectors.ledger_import_get(user=request.auth, pk=import_id)
    try:
        ledger_import = ledger_confirm(
            actor=request.auth, ledger_import=ledger_import, mapping=payload.mapping
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    return Status(202, ledger_import)


@router.get("/ledger/imports/{import_id}/quarantine", summary="下载待处理行（原始列加“原因”列，.xlsx）")
def download_quarantine(request, import_id: int):
    from core.excel import XLSX_MIME
    from registry.ledger.services import quarantine_workbook

    ledger_import = selectors.ledger_import_get(user=request.auth, pk=import_id)
    try:
        content = quarantine_workbook(actor=request.auth, ledger_import=ledger_import)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="quarantine-{ledger_import.pk}.xlsx"'
    return response


def _unit_for(user, code: str):
    from territory.selectors import unit_get_by_code

    return unit_get_by_code(user=user, code=code)
