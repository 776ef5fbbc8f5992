from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Entry(models.Model):
    """One append-only fact: who did what to which object, when; never updated or deleted."""

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

    class Meta:
        verbose_name = _("记录")
        verbose_name_plural = _("记录")
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="journal_target_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"
