from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "portal.disclosure.published": _("发布村务公开名单"),
    "portal.disclosure.withdrawn": _("到期撤下村务公开名单"),
    "portal.feedback.moderated": _("审核网站留言"),
    "portal.editors.synced": _("同步门户编辑权限"),
}
