from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def iso_utc(moment) -> str:
    """The created_at form that is hashed: ISO 8601, UTC, microseconds, 'Z'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Entry(models.Model):
    """One append-only fact: who did what to which object, when; never updated or deleted.

    Each entry commits to its predecessor (prev_hash) and to its own content (entry_hash over the
    canonical serialisation in doorstep_verify.chain); the content itself is committed through
    data_hash so that `data` could be erased under a retention rule without breaking the chain.
    """

    seq = models.BigIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target_label = models.CharField(_("对象"), max_length=200, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    data_hash = models.CharField(_("内容摘要"), max_length=64, default="")
    prev_hash = models.CharField(_("前一条摘要"), max_length=64, default="")
    entry_hash = models.CharField(_("本条摘要"), max_length=64, default="", db_index=True)
    # Set only by entry_redact(): `data` was erased under a retention rule; data_hash still commits to it.
    redacted_at = models.DateTimeField(_("内容删除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("记录")
        verbose_name_plural = _("记录")
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="journal_target_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def as_chain_dict(self) -> dict:
        return {
            "seq": self.seq,
            "created_at": iso_utc(self.created_at),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_label": self.target_label,
            "data": None if self.redacted_at else self.data,
            "data_hash": self.data_hash,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }


class Checkpoint(models.Model):
    """A signed statement of the log's size and Merkle root; anyone holding it can detect a rewrite."""

    tree_size = models.BigIntegerField(_("记录条数"), unique=True)
    root_hash = models.CharField(_("根摘要"), max_length=64)
    note = models.TextField(_("签名检查点"))
    key_name = models.CharField(_("签名密钥"), max_length=120)
    key_id = models.CharField(_("密钥编号"), max_length=8)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查点")
        verbose_name_plural = _("检查点")
        ordering = ["tree_size"]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size}"


class Encounter(models.Model):
    """A difficult encounter written down by the cadre, which the resident may acknowledge: the alternative to a camera."""

    village = models.ForeignKey(
        "territory.AdminUnit", verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_path = models.CharField(max_length=255, db_index=True, editable=False)
    occurred_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    counterpart = models.CharField(_("对方"), max_length=100)
    asked = models.TextField(_("对方的诉求"))
    promised = models.TextField(_("我方的答复和承诺"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_seq = models.BigIntegerField(_("记录序号"), null=True, blank=True)
    acknowledged_name = models.CharField(_("确认人签名"), max_length=100, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_seq = models.BigIntegerField(_("确认记录序号"), null=True, blank=True)

    class Meta:
        verbose_name = _("当面沟通记录")
        verbose_name_plural = _("当面沟通记录")
        ordering = ["-occurred_at", "-pk"]
        permissions = [("export_evidence", _("导出证据包")), ("redact_entry", _("按保存期限删除记录内容"))]

    def __str__(self) -> str:
        # Also the journal's target label, which is hashed: fixed wording, no personal names.
        return f"沟通记录 #{self.pk}"
