"""The analytics export: Parquet that DuckDB reads, with every row and nothing personal."""

import io

import duckdb
import pytest
from django.core.management import call_command

from core.testing import make_household, make_person, make_staff, synthetic_id
from journal.models import Entry
from registry.models import Person
from territory.roles import Role
from visits import services as visit_services


@pytest.fixture
def people(tree):
    official = make_staff(Role.VILLAGE_OFFICIAL, [tree.village_a1], username="village_a1")
    household = make_household(tree.village_a1, address="幸福路8号")
    person = make_person(household, name="欧阳秀兰", id_number=synthetic_id(), phone="13912345678")
    visit_services.visit_record(actor=official, household=household, note="老人说腿疼")
    return person


def test_export_holds_every_row_and_no_personal_data(people, tmp_path):
    call_command("export_analytics", "--output", str(tmp_path), stdout=io.StringIO())
    con = duckdb.connect()

    def rows(path):
        return con.execute("SELECT * FROM read_parquet($1)", [str(path)]).fetchall()

    people_rows = rows(tmp_path / "people.parquet")
    assert len(people_rows) == Person.objects.count() == 1
    columns = [d[0] for d in con.description]
    assert "birth_year" in columns and "name" not in columns
    assert len(rows(tmp_path / "visits.parquet")) == 1
    assert (
        len(rows(tmp_path / "journal.parquet")) == Entry.objects.count() - 1
    )  # the export's own entry is written after it
    # Read back every value (the files are compressed, so their bytes would hide a leak).
    everything = repr([rows(p) for p in sorted(tmp_path.glob("*.parquet"))])
    assert "甲一村" in everything  # unit names are public and present: the search below can find text
    for secret in ("欧阳秀兰", "幸福路8号", "13912345678", "腿疼", people.id_masked[:6] + "*"):
        assert secret not in everything
    assert Entry.objects.order_by("-seq").first().action == "core.analytics.exported"
