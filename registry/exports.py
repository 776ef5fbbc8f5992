"""Exports of the household and person lists (.xlsx or .csv, Chinese headers).

Exporters yield a header and rows; core.excel writes them and neutralises formula cells. ID
numbers and phones are masked unless the user holds the full-view permission and asks for the
full export, which is journaled with its row count and the file's SHA-256.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

import journal
from core import crypto
from core.excel import XLSX_MIME, write_csv, write_xlsx
from registry import selectors


@dataclass
class Export:
    filename: str
    content: bytes
    content_type: str
    rows: int
    sha256: str


def _header_households() -> list[str]:
    return [_("户编号"), _("村/社区"), _("网格"), _("户主"), _("住址"), _("居住情况"), _("人数"), _("标签")]


def _header_people() -> list[str]:
    return [
        _("姓名"),
        _("性别"),
        _("出生日期"),
        _("身份证号"),
        _("联系电话"),
        _("与户主关系"),
        _("居住状态"),
        _("村/社区"),
        _("住址"),
        _("户主"),
        _("标签"),
    ]


def household_rows(*, user, filters: dict):
    qs = (
        selectors.household_list(user=user, filters=filters)
        .annotate(member_count=Count("members"))
        .prefetch_related("tags")
    )
    for h in qs.iterator(chunk_size=2000):
        yield [
            h.household_no,
            h.village.name,
            h.grid.name if h.grid else "",
            h.head_name,
            h.address,
            h.get_occupancy_display(),
            h.member_count,
            "、".join(t.name for t in h.tags.all()),
        ]


def person_rows(*, user, filters: dict, full: bool):
    qs = selectors.person_list(user=user, filters=filters)
    for p in qs.iterator(chunk_size=2000):
        if full:
            id_number = crypto.decrypt(p.id_cipher, context="person.id_number") if p.id_cipher else ""
            phone = crypto.decrypt(p.phone_cipher, context="person.phone") if p.phone_cipher else ""
        else:
            id_number, phone = p.id_masked, p.phone_masked
        yield [
            p.name,
            p.get_sex_display(),
            p.birth_date.isoformat() if p.birth_date else "",
            id_number,
            phone,
            p.get_relation_display(),
            p.get_residence_display(),
            p.household.village.name,
            p.household.address,
            p.household.head_name,
            "、".join(t.name for t in p.tags.all()),
        ]


def _write(header, rows, fmt: str, title: str) -> tuple[bytes, str, str]:
    if fmt == "csv":
        return write_csv(header, rows), "text/csv; charset=utf-8", "csv"
    return write_xlsx(header, rows, title=title), XLSX_MIME, "xlsx"


class _Counter:
    def __init__(self, rows):
        self.rows, self.n = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.n += 1
            yield row


def _journal_export(*, actor, kind: str, ext: str, rows: int, digest: str, filters: dict, full: bool) -> None:
    journal.record(
        actor=actor,
        action="registry.list.exported",
        target=None,
        data={
            "list": kind,
            "format": ext,
            "full": full,
            "rows": rows,
            "sha256": digest,
            "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")},
        },
    )


@transaction.atomic
def household_export(*, actor, filters: dict, fmt: str = "xlsx") -> Export:
    """Households in the actor's jurisdiction, as filtered on the list page; every export is journaled."""
    rows = _Counter(household_rows(user=actor, filters=filters))
    content, mime, ext = _write(_header_households(), rows, fmt, _("户"))
    digest = hashlib.sha256(content).hexdigest()
    _journal_export(
        actor=actor, kind="households", ext=ext, rows=rows.n, digest=digest, filters=filters, full=False
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return Export(f"{_('户名单')}-{stamp}.{ext}", content, mime, rows.n, digest)


@transaction.atomic
def person_export(*, actor, filters: dict, fmt: str = "xlsx", full: bool = False) -> Export:
    """People as filtered on the list page; full ID numbers and phones only with permission; every export journaled."""
    if full and not actor.has_perm("registry.view_full_pii"):
        raise PermissionDenied(_("您没有导出完整身份证号和电话的权限"))
    rows = _Counter(person_rows(user=actor, filters=filters, full=full))
    content, mime, ext = _write(_header_people(), rows, fmt, _("人员"))
    digest = hashlib.sha256(content).hexdigest()
    _journal_export(
        actor=actor, kind="people", ext=ext, rows=rows.n, digest=digest, filters=filters, full=full
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    suffix = _("完整") if full else _("脱敏")
    return Export(f"{_('人员名单')}-{suffix}-{stamp}.{ext}", content, mime, rows.n, digest)
