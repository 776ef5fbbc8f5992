from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "territory.unit.created": _("新建行政区划"),
    "territory.unit.updated": _("修改行政区划"),
    "territory.staff.created": _("新建工作人员"),
    "territory.staff.deactivated": _("停用工作人员"),
    "territory.token.issued": _("签发接口令牌"),
    "territory.token.revoked": _("吊销接口令牌"),
    "territory.login.succeeded": _("登录成功"),
    "territory.login.failed": _("登录失败"),
    "territory.login.locked": _("登录被锁定"),
    "territory.logout.done": _("退出登录"),
}
