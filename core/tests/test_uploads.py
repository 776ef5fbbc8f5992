"""The upload size limit (DOORSTEP_MAX_UPLOAD_MB) through every upload path: pages, API and command.

Each over-limit upload is refused with a message naming the limit, nothing is stored, and a smaller
file then goes through.
"""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from burden.models import ReportTemplate
from burden.tests import workbooks
from core import uploads
from demands.models import Attachment, Demand
from demands.tests.factories import make_categories, make_demand
from registry.models import LedgerImport
from registry.tests import ledgers
from registry.tests.ledgers import Ledger
from territory.services import token_issue

OVER = b"x" * (uploads.MB + 200 * 1024)  # 1.2 MB against a 1 MB limit


@pytest.fixture(autouse=True)
def one_megabyte(settings, tmp_path):
    settings.DOORSTEP_MAX_UPLOAD_MB = 1
    settings.PRIVATE_ROOT = tmp_path / "private"
    return settings


def _stored_files(settings) -> list[Path]:
    root = Path(settings.PRIVATE_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_limit_is_the_smaller_of_the_deployment_and_the_feature(settings):
    settings.DOORSTEP_MAX_UPLOAD_MB = 50
    assert uploads.limit_mb() == 50 and uploads.limit_mb(cap_mb=10) == 10
    settings.DOORSTEP_MAX_UPLOAD_MB = 5
    assert uploads.limit_mb(cap_mb=10) == 5
    uploads.check_size(5 * uploads.MB)  # exactly at the limit is allowed
    with pytest.raises(uploads.ValidationError):
        uploads.check_size(5 * uploads.MB + 1)


def test_ledger_page_refuses_an_oversize_file_then_takes_a_small_one(
    client, tree, village_official, settings
):
    client.force_login(village_official)
    url = reverse("registry:ledger_home")
    response = client.post(url, {"unit": tree.village_a1.code, "file": SimpleUploadedFile("大.xlsx", OVER)})
    page = response.content.decode()
    assert response.status_code == 200 and "超过了1MB的上限" in page and "没有保存" in page
    assert LedgerImport.objects.count() == 0 and _stored_files(settings) == []
    small = ledgers.to_xlsx(Ledger(rows=ledgers.households(2, seed=3)))
    response = client.post(url, {"unit": tree.village_a1.code, "file": SimpleUploadedFile("小.xlsx", small)})
    assert response.status_code == 302 and LedgerImport.objects.count() == 1


def test_ledger_page_names_the_limit_in_the_users_language(client, tree, village_official):
    client.force_login(village_official)
    with translation.override("en"):
        response = client.post(
            reverse("registry:ledger_home"),
            {"unit": tree.village_a1.code, "file": SimpleUploadedFile("big.xlsx", OVER)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "1 MB limit" in response.content.decode()


def test_ledger_api_answers_413_and_stores_nothing(client, tree, village_official, settings):
    _token, key = token_issue(actor=village_official, staff=village_official, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    response = client.post(
        "/api/v1/registry/ledger/imports",
        {"unit": tree.village_a1.code, "file": SimpleUploadedFile("big.xlsx", OVER)},
    )
    assert response.status_code == 413 and "1MB" in response.json()["detail"]
    assert LedgerImport.objects.count() == 0 and _stored_files(settings) == []


def test_import_command_refuses_an_oversize_file(tree, tmp_path):
    big = tmp_path / "big.xlsx"
    big.write_bytes(OVER)
    with pytest.raises(CommandError, match="1MB"):
        call_command("import_ledger", str(big), "--unit", tree.village_a1.code, stdout=io.StringIO())
    assert LedgerImport.objects.count() == 0


def test_demand_attachment_over_the_limit_is_refused(client, tree, village_official, settings):
    demand = make_demand(tree, make_categories(tree))
    client.force_login(village_official)
    url = reverse("demands:attachment_upload", args=[demand.pk])
    pdf = b"%PDF-1.4\n"
    response = client.post(url, {"file": SimpleUploadedFile("p.pdf", pdf + OVER)}, follow=True)
    assert "超过了1MB的上限" in response.content.decode()
    assert Attachment.objects.count() == 0 and _stored_files(settings) == []
    client.post(url, {"file": SimpleUploadedFile("p.pdf", pdf + b"0" * 100)})
    assert Attachment.objects.count() == 1


def test_demand_attachment_keeps_its_own_smaller_limit(client, tree, village_official, settings):
    settings.DOORSTEP_MAX_UPLOAD_MB = 50
    demand = make_demand(tree, make_categories(tree))
    client.force_login(village_official)
    eleven = b"%PDF-1.4\n" + b"0" * (11 * uploads.MB)
    response = client.post(
        reverse("demands:attachment_upload", args=[demand.pk]),
        {"file": SimpleUploadedFile("p.pdf", eleven)},
        follow=True,
    )
    assert "超过了10MB的上限" in response.content.decode() and Attachment.objects.count() == 0


def test_new_demand_with_an_oversize_photo_is_not_recorded(client, tree, village_official):
    make_categories(tree)
    client.force_login(village_official)
    response = client.post(
        reverse("demands:create"),
        {
            "resident_name": "赵婶",
            "text": "路灯坏了",
            "place_unit": tree.village_a1.pk,
            "channel": "visit",
            "file": SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0" + OVER),
        },
    )
    assert response.status_code == 200 and "超过了1MB的上限" in response.content.decode()
    assert Demand.objects.count() == 0


def test_report_template_over_the_limit_is_refused(client, tree, township_leader):
    client.force_login(township_leader)
    url = reverse("burden:report_list")
    response = client.post(url, {"file": SimpleUploadedFile("表.xlsx", OVER)})
    assert response.status_code == 200 and "超过了1MB的上限" in response.content.decode()
    assert ReportTemplate.objects.count() == 0
    response = client.post(url, {"file": SimpleUploadedFile("表.xlsx", workbooks.village_template())})
    assert response.status_code == 302 and ReportTemplate.objects.count() == 1
