from django.core.management import call_command

from registry.models import Household, Person
from territory.models import AdminUnit, Staff


def test_small_demo_county_looks_like_the_report(db, capsys):
    call_command("demo_data", "--scale", "small")
    out = capsys.readouterr().out
    for username in ("village", "cadre", "leader", "handler", "supervisor", "admin"):
        assert username in out
    assert AdminUnit.objects.filter(level="village").count() == 6
    people = Person.objects.all()
    resident = people.filter(residence="resident")
    share_resident = resident.count() / people.count()
    assert 0.15 < share_resident < 0.6  # hollowed: most registered people live elsewhere
    from registry.selectors import _years_ago

    elderly = resident.filter(birth_date__lte=_years_ago(60)).count() / resident.count()
    assert elderly > 0.55
    assert Household.objects.filter(members__tags__code="elderly_alone").exists()
    assert Staff.objects.filter(username="village").get().jurisdictions.count() == 1
    assert all(p.id_masked.startswith("4199") for p in people[:50])


def test_demo_is_deterministic(db, capsys):
    call_command("demo_data", "--scale", "small")
    first = list(Person.objects.order_by("id").values_list("name", "id_index")[:40])
    from demands.models import Category, Demand, WorkingCalendar

    Demand.objects.all().delete()  # demands protect the units and departments they are routed to
    Category.objects.all().delete()
    WorkingCalendar.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    from registry.models import Tag

    Tag.objects.all().delete()
    Staff.objects.all().delete()
    from territory.models import Department

    Department.objects.all().delete()
    AdminUnit.objects.filter(level="grid").delete()
    AdminUnit.objects.filter(level="village").delete()
    AdminUnit.objects.filter(level="township").delete()
    AdminUnit.objects.all().delete()
    call_command("demo_data", "--scale", "small")
    assert list(Person.objects.order_by("id").values_list("name", "id_index")[:40]) == first
