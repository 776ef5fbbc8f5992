from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from territory.models import AdminUnit


def age_on(birth_date: date | None, on: date) -> int | None:
    """Whole years since birth_date on the day `on` (None without a birth date)."""
    if birth_date is None:
        return None
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


class Tag(models.Model):
    """A label a county defines for people or households (独居老人, 低保, …); visit policies key on it."""

    class Scope(models.TextChoices):
        PERSON = "person", _("人员")
        HOUSEHOLD = "household", _("户")

    county = models.ForeignKey(
        AdminUnit, verbose_name=_("所属县"), on_delete=models.PROTECT, related_name="tags"
    )
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=40)
    scope = models.CharField(_("适用于"), max_length=10, choices=Scope.choices, default=Scope.PERSON)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "code"], name="tag_unique_code_per_county")]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A dwelling and who actually lives there; scoped by `scope_path` (its grid's or village's path)."""

    class Occupancy(models.TextChoices):
        RESIDENT = "resident", _("常住")
        AWAY = "away", _("外出")
        VACANT = "vacant", _("空置")

    village = models.ForeignKey(
        AdminUnit, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="households"
    )
    grid = models.ForeignKey(
        AdminUnit,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_households",
    )
    scope_path = models.CharField(max_length=255, db_index=True, editable=False)
    household_no = models.CharField(_("户编号"), max_length=40, blank=True, db_index=True)
    address = models.CharField(_("住址"), max_length=200)
    head_name = models.CharField(_("户主"), max_length=50, blank=True)
    occupancy = models.CharField(
        _("居住情况"), max_length=10, choices=Occupancy.choices, default=Occupancy.RESIDENT
    )
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="households")
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["scope_path", "household_no", "id"]
        indexes = [
            models.Index(fields=["scope_path", "household_no", "id"], name="household_scope_order_idx")
        ]

    def __str__(self) -> str:
        return f"{self.head_name or '—'}户（{self.address}）"


class Person(models.Model):
    """A registered person; ID number and phone are stored encrypted, with a blind index and a mask."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
        GRANDCHILD = "grandchild", _("孙子女")
        PARENT = "parent", _("父母")
        SIBLING = "sibling", _("兄弟姐妹")
        OTHER = "other", _("其他")

    class Residence(models.TextChoices):
        RESIDENT = "resident", _("常住")
        MIGRANT_WORK = "migrant_work", _("外出务工")
        AWAY_STUDY = "away_study", _("外出就学")
        AWAY_OTHER = "away_other", _("其他外出")
        MOVED_OUT = "moved_out", _("迁出")
        DECEASED = "deceased", _("死亡")

    household = models.ForeignKey(
        Household, verbose_name=_("所在户"), on_delete=models.PROTECT, related_name="members"
    )
    # The household's scope_path, copied so that scoping a county's 300,000 people needs no join.
    scope_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    name_initials = models.CharField(
        _("拼音首字母"), max_length=20, blank=True, db_index=True, editable=False
    )
    id_cipher = models.TextField(blank=True, editable=False)
    # HMAC blind indexes and choices are only ever compared whole: plain indexes (Meta.indexes), not
    # db_index=True, which on PostgreSQL adds a second, varchar_pattern_ops "_like" index for LIKE.
    id_index = models.CharField(max_length=64, blank=True, editable=False)
    id_masked = models.CharField(_("身份证号"), max_length=24, blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=24, blank=True, editable=False)
    relation = models.CharField(
        _("与户主关系"), max_length=20, choices=Relation.choices, default=Relation.OTHER
    )
    residence = models.CharField(
        _("居住状态"), max_length=20, choices=Residence.choices, default=Residence.RESIDENT
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="people")
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["scope_path", "household", "id"], name="person_scope_order_idx"),
            # Age filters (60+, 80+) count from the index alone, without reading every row in scope.
            models.Index(fields=["scope_path", "birth_date"], name="person_scope_birth_idx"),
            models.Index(fields=["id_index"], name="person_id_index_idx"),
            models.Index(fields=["phone_index"], name="person_phone_index_idx"),
            models.Index(fields=["residence"], name="person_residence_idx"),
        ]
        permissions = [
            ("view_full_pii", _("查看完整身份证号和电话")),
            ("export_person", _("导出人员名单")),
        ]

    def __str__(self) -> str:
        return self.name

    def age(self, on: date | None = None) -> int | None:
        return age_on(self.birth_date, on or date.today())  # noqa: DTZ011

    @property
    def is_living_here(self) -> bool:
        return self.residence == self.Residence.RESIDENT


class LedgerMapping(models.Model):
    """The column mapping an office confirmed for one ledger layout, proposed again for its next file."""

    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="ledger_mappings")
    signature = models.CharField(max_length=40)
    labels = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # {column index as str: field}
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("台账列对应关系")
        verbose_name_plural = _("台账列对应关系")
        constraints = [
            models.UniqueConstraint(fields=["unit", "signature"], name="ledger_mapping_unique_per_layout")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {' / '.join(self.labels[:4])}"


class LedgerImport(models.Model):
    """One uploaded ledger file and what became of each of its rows; it commits whole or not at all."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("待确认")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("导入到"), on_delete=models.PROTECT, related_name="ledger_imports"
    )
    scope_path = models.CharField(max_length=255, db_index=True, editable=False)
    created_by = models.ForeignKey(
        "territory.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_name = models.CharField(_("文件名"), max_length=255)
    stored_path = models.CharField(max_length=500, editable=False)
    file_sha256 = models.CharField(max_length=64, editable=False)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    mapping = models.JSONField(default=dict)  # {sheet: {column index as str: field}}
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    data_rows = models.PositiveIntegerField(_("数据行"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变"), default=0)
    quarantined_count = models.PositiveIntegerField(_("待处理"), default=0)
    skipped = models.JSONField(default=dict)  # blank / total / note / header rows set aside, per kind
    warnings = models.JSONField(default=list)  # 人口数 that disagree with the members: to look at, not errors
    error = models.TextField(_("错误"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def accounted(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count + self.quarantined_count


class QuarantinedRow(models.Model):
    """A source row that was not imported, kept whole (encrypted) with the reason, for fixing and re-import."""

    ledger_import = models.ForeignKey(LedgerImport, on_delete=models.CASCADE, related_name="quarantined_rows")
    sheet = models.CharField(max_length=100)
    row_number = models.PositiveIntegerField()
    values_cipher = models.TextField()  # the original cells, JSON, AES-GCM: they hold ID numbers
    reason = models.TextField()

    class Meta:
        ordering = ["ledger_import_id", "id"]

    def __str__(self) -> str:
        return f"{self.sheet}!{self.row_number}"
