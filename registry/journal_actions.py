from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "registry.household.created": _("新建户"),
    "registry.household.updated": _("修改户信息"),
    "registry.person.created": _("新建人员"),
    "registry.person.updated": _("修改人员信息"),
    "registry.person.pii_viewed": _("查看完整个人信息"),
    "registry.tag.created": _("新建标签"),
    "registry.bulk.loaded": _("批量载入户和人员"),
    "registry.ledger.uploaded": _("上传台账"),
    "registry.ledger.confirmed": _("确认台账列对应关系"),
    "registry.ledger.rows_written": _("台账导入写入一批人员"),
    "registry.ledger.imported": _("完成台账导入"),
    "registry.ledger.quarantine_downloaded": _("下载台账导入待处理行"),
    "registry.list.exported": _("导出名单"),
}
