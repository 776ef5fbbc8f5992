import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from territory.roles import Role


class AdminUnit(models.Model):
    """A node of the administrative tree (county → township → village/community → grid).

    `path` holds the codes from the root ("/410101000000/410101001000/"), so a unit's whole
    subtree is one indexed prefix match; jurisdiction scoping is built on it.
    """

    class Level(models.TextChoices):
        COUNTY = "county", _("县")
        TOWNSHIP = "township", _("乡镇")
        VILLAGE = "village", _("村/社区")
        GRID = "grid", _("网格")

    code = models.CharField(
        _("区划代码"),
        max_length=15,
        unique=True,
        validators=[RegexValidator(r"^\d{12}(\d{3})?$", _("区划代码应为12位数字（网格在村代码后加3位）"))],
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    is_community = models.BooleanField(_("社区"), default=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def county_path(self) -> str:
        return "/".join(self.path.split("/")[:2]) + "/"


class Department(models.Model):
    """A body with authority at some level, e.g. 县民政局 or 镇社会事务办."""

    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("名称"), max_length=100)
    code = models.SlugField(_("代码"), max_length=50)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="department_unique_code")]

    def __str__(self) -> str:
        return f"{self.unit.name}{self.name}"


class Staff(AbstractUser):
    """A person who signs in: sees only the units in their jurisdictions (none means nothing)."""

    role = models.CharField(_("角色"), max_length=30, choices=Role.choices, blank=True)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    jurisdictions = models.ManyToManyField(
        AdminUnit, verbose_name=_("辖区"), blank=True, related_name="staff"
    )

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_session_auth_hash(self) -> str:
        # A copy of the row from the cache (territory.access.cached_user) carries this hash instead of
        # the password; a password set since, or loaded, is used as Django does.
        memo = self.__dict__.get("_session_auth_hash")
        if memo is not None and "password" not in self.__dict__:
            return memo
        return super().get_session_auth_hash()


class ApiToken(models.Model):
    """A bearer token for the staff API; only its SHA-256 is stored."""

    staff = models.ForeignKey(
        Staff, verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="doorstep_tokens"
    )
    name = models.CharField(_("用途"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
