from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "registry.household.created": _("新建户"),
    "registry.household.updated": _("修改户信息"),
    "registry.person.created": _("新建人员"),
    "registry.person.updated": _("修改人员信息"),
    "registry.person.pii_viewed": _("查看完整个人信息"),
    "registry.tag.created": _("新建标签"),
    "registry.bulk.loaded": _("批量载入户和人员"),
}
