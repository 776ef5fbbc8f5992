from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "demands.category.created": _("新建诉求类别"),
    "demands.rule.created": _("新建权责规则"),
    "demands.calendar.loaded": _("载入法定节假日安排"),
    "demands.demand.created": _("登记诉求"),
    "demands.submission.held": _("群众提交疑似垃圾，已拦截待审"),
    "demands.submission.released": _("被拦截的提交审核后放行为诉求"),
    "demands.submission.discarded": _("被拦截的提交确认为垃圾"),
    "demands.demand.accepted": _("受理诉求"),
    "demands.demand.transferred": _("转办诉求"),
    "demands.demand.answered": _("答复诉求"),
    "demands.demand.withdrawn": _("撤回诉求"),
    "demands.demand.merged": _("合并重复诉求"),
    "demands.demand.verdict": _("群众评价诉求办理"),
    "demands.attachment.added": _("上传诉求附件"),
    "demands.attachment.downloaded": _("下载诉求附件"),
    "demands.attachment.published": _("公开诉求照片（已去除位置等信息）"),
    "demands.attachment.unpublished": _("取消公开诉求照片"),
    "demands.sweep.ran": _("诉求到期提醒与超期升级"),
    "demands.bulk.loaded": _("批量载入演示诉求"),
    "demands.open311client.issued": _("签发Open311接入密钥"),
}
