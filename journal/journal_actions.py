from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "journal.entry.exported": _("导出了记录"),
}
