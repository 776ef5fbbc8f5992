from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "journal.entry.exported": _("导出了记录"),
    "journal.encounter.recorded": _("记录了一次当面沟通"),
    "journal.encounter.acknowledged": _("群众确认了沟通记录"),
    "journal.evidence.exported": _("导出了证据包"),
    "journal.entry.redacted": _("按保存期限删除了记录内容"),
}
