from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "visits.visit.recorded": _("记录走访"),
    "visits.visit.conflicted": _("重复提交的走访内容不一致，待核对"),
    "visits.conflict.resolved": _("核对走访冲突"),
    "visits.policy.saved": _("设置走访要求"),
    "visits.plan.created": _("制定走访计划"),
    "visits.plan.replanned": _("调整走访计划"),
    "visits.stop.marked": _("标记计划走访点"),
    "visits.trip.recorded": _("登记出行"),
    "visits.rule.saved": _("设置交通补贴规则"),
    "visits.bulk.loaded": _("批量载入走访记录"),
    "visits.settings.saved": _("设置规划参数"),
    "visits.matrix.replaced": _("上传距离表"),
    "visits.matrix.deleted": _("删除距离表"),
}
