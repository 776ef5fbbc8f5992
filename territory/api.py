from ninja import Router, Schema
from ninja.pagination import paginate

from territory.selectors import unit_get, unit_list

router = Router(tags=["territory"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    latitude: float | None
    longitude: float | None


@router.get("/units", response=list[UnitOut], summary="辖区内的行政区划")
@paginate
def list_units(request, level: str | None = None):
    return unit_list(user=request.auth, level=level)


@router.get("/units/{unit_id}", response=UnitOut, summary="一个行政区划")
def get_unit(request, unit_id: int):
    return unit_get(user=request.auth, pk=unit_id)
