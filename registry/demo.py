"""Demo people: hollowed villages as the report describes them.

Per village about a fifth of the registered people actually live there, and about 70% of those
are over 60; the rest work or study elsewhere. ID numbers carry the fictional area code 419901
and sequence numbers 800–999, so they pass the check digit but are recognisably synthetic;
phone numbers all have 0000 as digits 4–7.

This loader writes in bulk (the services' per-row checks would take minutes at county scale)
but uses the same encryption, masking and pinyin helpers, and leaves one journal entry per village.
"""

from collections import defaultdict
from datetime import date, timedelta

import journal
from core import crypto
from core.demo import DemoContext
from core.masking import mask_id_number, mask_phone
from registry import idcard
from registry.models import Household, Person, Tag
from registry.pinyin import initials
from registry.services import id_index, phone_index

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
MALE = "伟强磊军勇杰涛明超刚平辉建国华德福贵宝山林海成文志永春生富全有才"
FEMALE = "芳娜敏静丽艳娟霞秀英兰凤玲桂珍梅红琴云莲翠花萍燕"
GROUPS = "一二三四五六七八"
TAGS = [
    ("elderly_alone", "独居老人", Tag.Scope.PERSON),
    ("tekun", "特困", Tag.Scope.PERSON),
    ("disabled", "残疾", Tag.Scope.PERSON),
    ("left_behind_child", "留守儿童", Tag.Scope.PERSON),
    ("veteran", "退役军人", Tag.Scope.PERSON),
    ("dibao", "低保", Tag.Scope.HOUSEHOLD),
    ("monitor", "脱贫监测户", Tag.Scope.HOUSEHOLD),
]
TODAY = date(2026, 11, 1)


class _People:
    def __init__(self, ctx: DemoContext):
        self.rng = ctx.rng
        self.seq = defaultdict(int)

    def name(self, sex: str, surname: str | None = None) -> str:
        pool = MALE if sex == "M" else FEMALE
        given = self.rng.choice(pool) + (self.rng.choice(pool) if self.rng.random() < 0.7 else "")
        return (surname or self.rng.choice(SURNAMES)) + given

    def birth(self, age_from: int, age_to: int) -> date:
        return TODAY - timedelta(days=self.rng.randint(age_from * 365 + 1, age_to * 365 + 300))

    def id_number(self, birth: date, sex: str) -> str:
        n = self.seq[birth]
        self.seq[birth] += 1
        seq = 800 + (n * 2 + (1 if sex == "M" else 0)) % 200
        return idcard.make_number("419901", birth, seq)

    def phone(self) -> str:
        return f"1{self.rng.choice(['38', '39', '58', '86', '51'])}0000{self.rng.randint(0, 9999):04d}"


def _person(people: _People, household, *, name, sex, birth, relation, residence, with_phone):
    number = people.id_number(birth, sex)
    phone = people.phone() if with_phone else ""
    return Person(
        household=household,
        name=name,
        name_initials=initials(name),
        sex=sex,
        birth_date=birth,
        relation=relation,
        residence=residence,
        id_cipher=crypto.encrypt(number, context="person.id_number"),
        id_index=id_index(number),
        id_masked=mask_id_number(number),
        phone_cipher=crypto.encrypt(phone, context="person.phone") if phone else "",
        phone_index=phone_index(phone) if phone else "",
        phone_masked=mask_phone(phone),
    )


AWAY = [Person.Residence.MIGRANT_WORK] * 6 + [Person.Residence.AWAY_STUDY, Person.Residence.AWAY_OTHER]


def _household_members(people: _People, rng, household):
    """Returns (members, person tag codes by index, household tag codes, occupancy)."""
    R = Person.Residence
    kind = rng.choices(
        ["alone", "couple_kids_away", "left_behind", "all_away", "vacant", "family"],
        weights=[18, 22, 12, 28, 8, 12],
    )[0]
    surname = rng.choice(SURNAMES)
    members, tags, htags = [], defaultdict(set), set()
    head_sex = "M" if rng.random() < 0.8 else "F"

    def add(sex, age_from, age_to, relation, residence, same_surname=True, with_phone=True):
        name = people.name(sex, surname if same_surname else None)
        members.append(
            _person(
                people,
                household,
                name=name,
                sex=sex,
                birth=people.birth(age_from, age_to),
                relation=relation,
                residence=residence,
                with_phone=with_phone,
            )
        )
        return len(members) - 1

    occupancy = Household.Occupancy.RESIDENT
    if kind == "alone":
        i = add(rng.choice("MF"), 66, 92, Person.Relation.HEAD, R.RESIDENT, with_phone=rng.random() < 0.4)
        tags[i].add("elderly_alone")
        for _ in range(rng.randint(1, 3)):
            add(rng.choice("MF"), 32, 55, Person.Relation.CHILD, rng.choice(AWAY))
        if rng.random() < 0.25:
            tags[i].add("tekun")
    elif kind in {"couple_kids_away", "left_behind"}:
        add(head_sex, 60, 85, Person.Relation.HEAD, R.RESIDENT)
        add(
            "F" if head_sex == "M" else "M",
            58,
            83,
            Person.Relation.SPOUSE,
            R.RESIDENT,
            same_surname=False,
            with_phone=False,
        )
        for _ in range(rng.randint(1, 2)):
            add(rng.choice("MF"), 28, 50, Person.Relation.CHILD, rng.choice(AWAY))
        if kind == "left_behind":
            for _ in range(rng.randint(1, 2)):
                i = add(rng.choice("MF"), 4, 14, Person.Relation.GRANDCHILD, R.RESIDENT, with_phone=False)
                tags[i].add("left_behind_child")
    elif kind in {"all_away", "vacant"}:
        occupancy = Household.Occupancy.AWAY if kind == "all_away" else Household.Occupancy.VACANT
        add(head_sex, 30, 58, Person.Relation.HEAD, R.MIGRANT_WORK if kind == "all_away" else R.MOVED_OUT)
        add(
            "F" if head_sex == "M" else "M",
            28,
            56,
            Person.Relation.SPOUSE,
            R.MIGRANT_WORK if kind == "all_away" else R.MOVED_OUT,
            same_surname=False,
        )
        for _ in range(rng.randint(0, 2)):
            add(
                rng.choice("MF"),
                6,
                24,
                Person.Relation.CHILD,
                rng.choice([R.AWAY_STUDY, R.AWAY_OTHER, R.MOVED_OUT]),
                with_phone=False,
            )
    else:
        add(head_sex, 38, 62, Person.Relation.HEAD, R.RESIDENT)
        add("F" if head_sex == "M" else "M", 36, 60, Person.Relation.SPOUSE, R.RESIDENT, same_surname=False)
        add(rng.choice("MF"), 68, 88, Person.Relation.PARENT, R.RESIDENT, with_phone=False)
        add(
            rng.choice("MF"),
            10,
            22,
            Person.Relation.CHILD,
            rng.choice([R.RESIDENT, R.AWAY_STUDY]),
            with_phone=False,
        )
    for i, person in enumerate(members):
        if person.residence == R.RESIDENT and rng.random() < 0.04:
            tags[i].add("disabled")
        if person.sex == "M" and person.birth_date.year < 1975 and rng.random() < 0.03:
            tags[i].add("veteran")
    if occupancy == Household.Occupancy.RESIDENT and rng.random() < 0.12:
        htags.add("dibao")
    if occupancy == Household.Occupancy.RESIDENT and rng.random() < 0.06:
        htags.add("monitor")
    return members, tags, htags, occupancy


def build(ctx: DemoContext) -> None:
    rng = ctx.rng
    tag_objs = {
        code: Tag.objects.create(county=ctx.county, code=code, name=name, scope=scope, sort_order=n)
        for n, (code, name, scope) in enumerate(TAGS)
    }
    people = _People(ctx)
    grids_by_village = defaultdict(list)
    for grid in ctx.grids:
        grids_by_village[grid.parent_id].append(grid)
    person_tag = Person.tags.through
    household_tag = Household.tags.through
    for village in ctx.villages:
        households, plans = [], []
        grids = grids_by_village[village.pk]
        for n in range(ctx.size["households"]):
            grid = grids[n % len(grids)] if grids else None
            household = Household(
                village=village,
                grid=grid,
                scope_path=(grid or village).path,
                household_no=f"{village.code[-6:]}{n + 1:04d}",
                address=f"{village.name}{GROUPS[n % len(GROUPS)]}组{n // len(GROUPS) + 1}号",
                latitude=round((grid or village).latitude + rng.uniform(-0.003, 0.003), 6),
                longitude=round((grid or village).longitude + rng.uniform(-0.003, 0.003), 6),
            )
            members, tags, htags, occupancy = _household_members(people, rng, household)
            household.occupancy = occupancy
            household.head_name = members[0].name
            households.append(household)
            plans.append((members, tags, htags))
        Household.objects.bulk_create(households, batch_size=1000)
        all_members, person_links, household_links = [], [], []
        for household, (members, _tags, htags) in zip(households, plans, strict=True):
            for member in members:
                member.household_id = household.pk
                member.scope_path = household.scope_path
            all_members.extend(members)
            household_links.extend(
                household_tag(household_id=household.pk, tag_id=tag_objs[c].pk) for c in htags
            )
        Person.objects.bulk_create(all_members, batch_size=2000)
        for members, tags, _htags in plans:
            for i, codes in tags.items():
                person_links.extend(person_tag(person_id=members[i].pk, tag_id=tag_objs[c].pk) for c in codes)
        person_tag.objects.bulk_create(person_links, batch_size=5000)
        household_tag.objects.bulk_create(household_links, batch_size=5000)
        journal.record(
            actor=None,
            action="registry.bulk.loaded",
            target=village,
            data={"demo_bulk": True, "households": len(households), "people": len(all_members)},
        )
