"""The restore drill: back up a county's data, restore it into a fresh database, and prove it is the same.

Runs on both legs: on PostgreSQL through pg_dump/pg_restore into a throwaway database named after the
test database (dropped afterwards), on SQLite through sqlite3's backup API into a fresh file.
"""

import hashlib
import io
import itertools
import json
import tarfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from core import crypto
from core.backup import MANIFEST, archive_verify, restore_archive
from core.testing import build_tree, make_household, make_person, make_staff, synthetic_id
from demands import services as demand_services
from demands.models import Attachment, Demand
from demands.tests.factories import make_categories, make_demand
from journal.models import Checkpoint, Entry
from journal.services import checkpoint_create
from registry.models import Household, Person
from territory.roles import Role
from visits import services as visit_services
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def roots(settings, tmp_path):
    """MEDIA_ROOT and PRIVATE_ROOT of the installation being backed up, apart from every other test's."""
    settings.MEDIA_ROOT = tmp_path / "live" / "media"
    settings.PRIVATE_ROOT = tmp_path / "live" / "private"
    settings.DEMANDS_NOTIFY_BACKEND = "demands.notify.MemorySender"
    return settings


@pytest.fixture
def county(roots):
    tree = build_tree()
    official = make_staff(Role.VILLAGE_OFFICIAL, [tree.village_a1], username="village_a1")
    id_number = synthetic_id()
    people = []
    for n in range(3):
        household = make_household(tree.village_a1, grid=tree.grid_a1, address=f"一组{n + 1}号")
        people.append(
            make_person(household, name=f"张{n}", id_number=id_number if n == 0 else synthetic_id())
        )
    visit_services.visit_record(actor=official, household=people[0].household)
    setup = make_categories(tree)
    demand = make_demand(tree, setup)
    attachment = demand_services.attachment_add(
        actor=official, demand=demand, upload=SimpleUploadedFile("路灯.png", PNG, content_type="image/png")
    )
    (roots.MEDIA_ROOT / "original_images").mkdir(parents=True)
    (roots.MEDIA_ROOT / "original_images" / "banner.png").write_bytes(PNG)
    checkpoint_create()
    return {"person": people[0], "id_number": id_number, "attachment": attachment, "official": official}


_fresh = itertools.count(1)


@contextmanager
def fresh_database(tmp_path):
    """Point Django's default connection at a new, empty database for the duration, then back."""
    original_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        fresh = f"{original_name}_drill"[-63:]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
            # template0 takes no connections, so other sessions on template1 cannot block the copy.
            cursor.execute(f'CREATE DATABASE "{fresh}" TEMPLATE template0')
        connection.close()
        connection.settings_dict["NAME"] = fresh
        try:
            yield fresh
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original_name
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
    else:
        kept = connection.connection  # an in-memory test database vanishes if its connection closes
        connection.connection = None
        connection.settings_dict["NAME"] = str(tmp_path / f"fresh-{next(_fresh)}.sqlite3")
        try:
            yield connection.settings_dict["NAME"]
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original_name
            connection.connection = kept


def counts_now() -> dict:
    return {
        model._meta.label: model.objects.count()
        for model in (Household, Person, Visit, Demand, Attachment, Entry, Checkpoint)
    }


def take_backup(tmp_path) -> Path:
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    (archive,) = (tmp_path / "backups").glob("doorstep-*.tar")
    return archive


def test_restore_drill_into_fresh_database(county, roots, tmp_path):
    before = counts_now()
    archive = take_backup(tmp_path)
    manifest = archive_verify(archive)
    assert archive.stat().st_mode & 0o077 == 0  # a county's names: for the backup's owner only
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["counts"]["registry.Person"] == before["registry.Person"] == 3
    assert manifest["journal"]["head"]["seq"] == before["journal.Entry"]
    assert manifest["journal"]["latest_checkpoint"]["tree_size"] == before["journal.Entry"]
    raw = archive.read_bytes()
    for key in [
        *(k.split(":", 1)[1] for k in roots.DOORSTEP_FIELD_KEYS.split(",")),
        roots.DOORSTEP_INDEX_KEY,
    ]:
        assert key.encode() not in raw  # keys are kept apart from archives
    stored = county["attachment"].stored_name
    assert f"private/demands/{stored}" in manifest["members"]
    assert "media/original_images/banner.png" in manifest["members"]
    # The backup itself is journaled on the live installation, after the archive was sealed.
    assert Entry.objects.order_by("-seq").first().action == "core.backup.created"

    roots.MEDIA_ROOT = tmp_path / "new" / "media"
    roots.PRIVATE_ROOT = tmp_path / "new" / "private"
    with fresh_database(tmp_path):
        out = io.StringIO()
        call_command("restore", str(archive), stdout=out, stderr=io.StringIO())
        assert "OK: restored" in out.getvalue()
        after = counts_now()
        assert after["journal.Entry"] == before["journal.Entry"] + 1  # plus the restore's own entry
        assert {k: v for k, v in after.items() if k != "journal.Entry"} == {
            k: v for k, v in before.items() if k != "journal.Entry"
        }
        assert Entry.objects.order_by("-seq").first().action == "core.backup.restored"
        call_command("journal_verify", stdout=io.StringIO())
        person = Person.objects.get(pk=county["person"].pk)
        assert crypto.decrypt(person.id_cipher, context="person.id_number") == county["id_number"]
        restored_file = roots.PRIVATE_ROOT / "demands" / stored
        assert hashlib.sha256(restored_file.read_bytes()).hexdigest() == county["attachment"].sha256
        assert (roots.MEDIA_ROOT / "original_images" / "banner.png").read_bytes() == PNG

        # The database is no longer empty: a second restore is refused unless forced.
        with pytest.raises(CommandError, match="not empty"):
            call_command("restore", str(archive), stdout=io.StringIO())
        Household.objects.filter(pk=county["person"].household_id).update(address="被改过的地址")
        out = io.StringIO()
        call_command("restore", str(archive), "--force", stdout=out, stderr=io.StringIO())
        assert "OK: restored" in out.getvalue()
        assert Household.objects.get(pk=county["person"].household_id).address == "一组1号"


def _rewrite(archive: Path, target: Path, change) -> Path:
    with tarfile.open(archive) as src, tarfile.open(target, "w") as dst:
        for info in src:
            data = src.extractfile(info).read()
            data = change(info.name, data)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return target


def test_tampered_archive_is_refused_before_anything_is_touched(county, roots, tmp_path):
    archive = take_backup(tmp_path)
    stored = county["attachment"].stored_name
    tampered = _rewrite(
        archive,
        tmp_path / "tampered.tar",
        lambda name, data: data + b"x" if name == f"private/demands/{stored}" else data,
    )
    entries = Entry.objects.count()
    with fresh_database(tmp_path):
        with pytest.raises(CommandError, match="does not match its SHA-256"):
            call_command("restore", str(tampered), stdout=io.StringIO())
        assert connection.introspection.table_names() == []  # nothing was restored

    # Changing the manifest's recorded counts is caught after restore: the summary fails.
    def inflate(name, data):
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["counts"]["registry.Person"] += 1
        return json.dumps(manifest).encode()

    inflated = _rewrite(archive, tmp_path / "inflated.tar", inflate)
    roots.PRIVATE_ROOT = tmp_path / "other" / "private"
    roots.MEDIA_ROOT = tmp_path / "other" / "media"
    with fresh_database(tmp_path):
        report = restore_archive(path=inflated)
        assert not report.ok
        assert any("registry.Person" in p for p in report.problems)
        with pytest.raises(CommandError, match="problem"):
            call_command("restore", str(inflated), "--force", stdout=io.StringIO(), stderr=io.StringIO())
    assert Entry.objects.count() == entries  # refusals and failed restores write nothing to the live journal


def test_restore_into_non_empty_database_is_refused(county, tmp_path):
    archive = take_backup(tmp_path)
    households = Household.objects.count()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Household.objects.count() == households


def test_restore_refuses_keys_that_do_not_decrypt(county, settings, tmp_path):
    archive = take_backup(tmp_path)
    settings.DOORSTEP_FIELD_KEYS = "v1:" + "A" * 43 + "="
    settings.DOORSTEP_INDEX_KEY = "B" * 43 + "="
    with fresh_database(tmp_path):
        with pytest.raises(CommandError, match="DOORSTEP_FIELD_KEYS"):
            call_command("restore", str(archive), stdout=io.StringIO())
        assert connection.introspection.table_names() == []
