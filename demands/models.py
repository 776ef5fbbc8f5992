import hashlib

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territory.models import AdminUnit, Department, Staff

# Office names are data in the county's own language ("县民政局"), not UI text: never translated.
COUNTY_PREFIX = "县"


class Level(models.TextChoices):
    VILLAGE = "village", _("村/社区")
    TOWNSHIP = "township", _("乡镇")
    COUNTY = "county", _("县")


class Category(models.Model):
    """A kind of demand a county handles, with its clock (working days) and the keywords that suggest it."""

    county = models.ForeignKey(
        AdminUnit, verbose_name=_("所属县"), on_delete=models.PROTECT, related_name="demand_categories"
    )
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    keywords = models.TextField(
        _("关键词"), blank=True, help_text=_("用空格或逗号分隔，录入诉求时据此推荐类别")
    )
    accept_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"), default=1)
    resolve_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=15)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["county", "code"], name="demand_category_unique_code")]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.replace("，", " ").replace(",", " ").replace("、", " ").split() if k]


class AuthorityRule(models.Model):
    """Category (plus optional conditions) → the level and department with authority; first match by priority wins."""

    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="rules"
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100, help_text=_("数字小的先匹配"))
    concerns_county_project = models.BooleanField(
        _("涉及县级项目"), null=True, blank=True, help_text=_("留空表示不限")
    )
    amount_above = models.DecimalField(
        _("金额超过（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    level = models.CharField(_("办理层级"), max_length=10, choices=Level.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("承办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("乡镇层级按同一部门代码找到所在乡镇的部门"),
    )

    class Meta:
        verbose_name = _("权责规则")
        verbose_name_plural = _("权责规则")
        ordering = ["category", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.category} → {self.get_level_display()} {self.department or ''}".strip()


class WorkingCalendar(models.Model):
    """A county's working calendar: weekends off, except the listed holidays and adjusted working weekends."""

    county = models.OneToOneField(
        AdminUnit, verbose_name=_("所属县"), on_delete=models.PROTECT, related_name="working_calendar"
    )
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """One exception to Monday–Friday: a public holiday, or a weekend day that is worked (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    calendar = models.ForeignKey(
        WorkingCalendar, verbose_name=_("工作日历"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("放假与调休")
        verbose_name_plural = _("放假与调休")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class DemandSetting(models.Model):
    """A county's own settings for demands: for now the jurisdiction_id Open311 clients name it by."""

    county = models.OneToOneField(
        AdminUnit, verbose_name=_("所属县"), on_delete=models.CASCADE, related_name="demand_setting"
    )
    open311_jurisdiction_id = models.CharField(
        _("Open311 辖区标识（jurisdiction_id）"),
        max_length=100,
        blank=True,
        help_text=_("留空则用县的区划代码"),
    )

    class Meta:
        verbose_name = _("诉求设置")
        verbose_name_plural = _("诉求设置")
        constraints = [
            models.UniqueConstraint(
                fields=["open311_jurisdiction_id"],
                condition=~models.Q(open311_jurisdiction_id=""),
                name="demand_setting_unique_jurisdiction",
            )
        ]

    def __str__(self) -> str:
        return str(self.county)

    @property
    def jurisdiction_id(self) -> str:
        return self.open311_jurisdiction_id or self.county.code


class Open311Client(models.Model):
    """A client application allowed to post Open311 requests; only the SHA-256 of its key is stored."""

    name = models.CharField(_("应用名称"), max_length=100)
    county = models.ForeignKey(
        AdminUnit,
        verbose_name=_("所属县"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("县管理员在工作台签发的密钥属于本县；命令行签发的不限"),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 接入应用")
        verbose_name_plural = _("Open311 接入应用")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class Demand(models.Model):
    """A resident's demand: owned by exactly one unit (and department) at a time, on a working-day clock."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("走访")
        OFFICE = "office", _("来访")
        PORTAL = "portal", _("网上")
        HOTLINE = "hotline", _("热线")
        API = "api", _("接口")
        OPEN311 = "open311", _("Open311")

    class Status(models.TextChoices):
        PENDING = "pending", _("待受理")
        PROCESSING = "processing", _("办理中")
        ANSWERED = "answered", _("已答复，待评价")
        CLOSED = "closed", _("已办结")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("已解决")
        PARTLY = "partly", _("部分解决")
        UNRESOLVABLE = "unresolvable", _("无法解决")
        DUPLICATE = "duplicate", _("重复诉求")
        WITHDRAWN = "withdrawn", _("撤回")

    ticket = models.CharField(_("受理编号"), max_length=20, unique=True, editable=False)
    county = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+", editable=False)
    place_unit = models.ForeignKey(
        AdminUnit, verbose_name=_("所在村/社区"), on_delete=models.PROTECT, related_name="demands_here"
    )
    scope_path = models.CharField(max_length=255, db_index=True, editable=False)
    place = models.CharField(_("地点"), max_length=200)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    resident_name = models.CharField(_("反映人"), max_length=50)
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("登记人员"), null=True, blank=True, on_delete=models.SET_NULL
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("登记户"), null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField(_("诉求内容"))
    category = models.ForeignKey(Category, verbose_name=_("类别"), on_delete=models.PROTECT)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    concerns_county_project = models.BooleanField(_("涉及县级项目"), default=False)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    source_visit_id = models.PositiveBigIntegerField(_("来自走访"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    api_client = models.ForeignKey(
        Open311Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="demands"
    )
    open311_token = models.CharField(max_length=32, blank=True, db_index=True, editable=False)

    owner_level = models.CharField(_("办理层级"), max_length=10, choices=Level.choices)
    owner_unit = models.ForeignKey(
        AdminUnit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="demands_owned"
    )
    owner_department = models.ForeignKey(
        Department,
        verbose_name=_("承办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    owner_path = models.CharField(max_length=255, db_index=True, editable=False)
    with_coordinator = models.BooleanField(_("转协调"), default=False)
    transfers = models.PositiveSmallIntegerField(_("转办次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(_("办理结果"), max_length=14, choices=Outcome.choices, blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    policy = models.CharField(_("政策依据"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并到"), null=True, blank=True, on_delete=models.SET_NULL
    )

    created_at = models.DateTimeField(_("提交时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))
    accept_due = models.DateTimeField(_("受理期限"))
    resolve_due = models.DateTimeField(_("答复期限"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    hours_to_answer = models.FloatField(_("答复用时（小时）"), null=True, blank=True, editable=False)
    accepted_on_time = models.BooleanField(null=True, editable=False)
    accept_reminded = models.BooleanField(default=False, editable=False)
    resolve_reminded = models.BooleanField(default=False, editable=False)
    accept_breached = models.BooleanField(_("受理超期"), default=False)
    resolve_breached = models.BooleanField(_("办理超期"), default=False)
    escalated_to = models.ForeignKey(
        AdminUnit,
        verbose_name=_("升级督办至"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    verdict_resolved = models.BooleanField(_("群众认为已解决"), null=True, blank=True)
    verdict_satisfied = models.BooleanField(_("群众满意"), null=True, blank=True)
    verdict_channel = models.CharField(_("评价方式"), max_length=10, blank=True)
    verdict_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("群众诉求")
        verbose_name_plural = _("群众诉求")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("work_demand", _("办理诉求（受理、转办、答复）")),
            ("view_demand_dashboard", _("查看诉求统计")),
        ]
        indexes = [
            models.Index(fields=["status", "accept_due"], name="demand_status_accept_due"),
            models.Index(fields=["status", "resolve_due"], name="demand_status_resolve_due"),
            models.Index(fields=["owner_department", "status"], name="demand_dept_status"),
            # The dashboard's live part: demands not yet accepted whose accept deadline is still ahead.
            models.Index(fields=["accept_due"], name="demand_accept_due"),
        ]

    def __str__(self) -> str:
        return self.ticket

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.PROCESSING)

    @property
    def owner_label(self) -> str:
        """The owner as an office, never a person: 县民政局 / 甲镇社会事务办 / 甲一村."""
        if self.owner_department_id:
            prefix = COUNTY_PREFIX if self.owner_level == Level.COUNTY else self.owner_unit.name
            return f"{prefix}{self.owner_department.name}"
        return self.owner_unit.name


class DemandEvent(models.Model):
    """One step in a demand's history, shown to staff and (with offices instead of names) to the resident."""

    class Kind(models.TextChoices):
        CREATED = "created", _("登记")
        ROUTED = "routed", _("派发")
        ACCEPTED = "accepted", _("受理")
        TRANSFERRED = "transferred", _("转办")
        COORDINATOR = "coordinator", _("转协调")
        ANSWERED = "answered", _("答复")
        VERDICT = "verdict", _("群众评价")
        REOPENED = "reopened", _("重新办理")
        CLOSED = "closed", _("办结")
        MERGED = "merged", _("合并")
        REMINDED = "reminded", _("到期提醒")
        ESCALATED = "escalated", _("超期升级")
        NOTE = "note", _("备注")
        ATTACHMENT = "attachment", _("附件")

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_office = models.CharField(_("办理单位"), max_length=120, blank=True)
    text = models.TextField(_("说明"), blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.demand} {self.get_kind_display()}"


class Attachment(models.Model):
    """A photo or document kept under PRIVATE_ROOT (never web-served) and handed out as a download."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="attachments")
    stored_name = models.CharField(max_length=200, editable=False)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # Set when a handler makes a photo public: a copy without EXIF (location, camera) is served at
    # /open311/v2/media/<token> and given as the request's media_url. Empty means private.
    public_token = models.CharField(max_length=32, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class HeldSubmission(models.Model):
    """A resident form the spam screen held: never routed or shown until an administrator releases it."""

    class Status(models.TextChoices):
        HELD = "held", _("待审核")
        RELEASED = "released", _("已放行为诉求")
        DISCARDED = "discarded", _("已作为垃圾丢弃")

    place_unit = models.ForeignKey(
        AdminUnit, verbose_name=_("所在村/社区"), on_delete=models.CASCADE, related_name="+"
    )
    resident_name = models.CharField(_("姓名"), max_length=50)
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=24, blank=True, editable=False)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    text = models.TextField(_("内容"))
    reason = models.CharField(_("拦截原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.HELD)
    demand = models.ForeignKey(
        "Demand",
        verbose_name=_("放行后的诉求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("被拦截的群众提交")
        verbose_name_plural = _("被拦截的群众提交")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.resident_name}: {self.text[:20]}"


class DemandStat(models.Model):
    """Additive counts of one county's demands per month created, owner and category, kept by the services.

    Each row is recomputed from the demands it covers whenever one of them is written (never patched by
    deltas), so it cannot drift; the county-wide dashboard sums these rows instead of scanning every demand.
    """

    # "county:YYYY-MM:unit:department-or-0:category": one unique column, because a UNIQUE over a nullable
    # department would let SQLite (and PostgreSQL before NULLS NOT DISTINCT) hold two rows for one key.
    key = models.CharField(max_length=80, unique=True)
    county = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    owner_unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+")
    owner_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    total = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    accepted_n = models.PositiveIntegerField(default=0)
    unaccepted_n = models.PositiveIntegerField(default=0)
    accepted_on_time_n = models.PositiveIntegerField(default=0)
    verdicts = models.PositiveIntegerField(default=0)
    resolved_n = models.PositiveIntegerField(default=0)
    satisfied_n = models.PositiveIntegerField(default=0)
    answered_n = models.PositiveIntegerField(default=0)
    hours_sum = models.FloatField(default=0)
    breaches_n = models.PositiveIntegerField(default=0)
    transfers_n = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("诉求统计（按月汇总）")
        verbose_name_plural = _("诉求统计（按月汇总）")
        indexes = [models.Index(fields=["county", "month"], name="demand_stat_county_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.owner_unit_id}/{self.owner_department_id}/{self.category_id}"


class OutboundSms(models.Model):
    """A text message for the SMS gateway: kept until the gateway accepts it, retried, and never silently lost."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    phone_cipher = models.TextField(editable=False)
    phone_masked = models.CharField(_("手机号"), max_length=20, editable=False)
    text = models.TextField(_("内容"))
    ticket = models.CharField(_("受理编号"), max_length=20, blank=True)
    kind = models.CharField(_("类型"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    gateway_id = models.CharField(_("网关编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信发送记录")
        verbose_name_plural = _("短信发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_status_next")]

    def __str__(self) -> str:
        return f"{self.phone_masked} {self.get_status_display()}"
