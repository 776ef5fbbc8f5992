from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "core.backup.created": _("创建了备份"),
    "core.backup.restored": _("从备份恢复了数据"),
    "core.analytics.exported": _("导出了去标识化的分析数据"),
}
