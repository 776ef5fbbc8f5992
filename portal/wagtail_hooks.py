"""The portal's own screens inside the Wagtail admin: building a disclosure list, moderating feedback."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal import admin_views


class _PermMenuItem(MenuItem):
    def __init__(self, *args, perm: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.perm = perm

    def is_shown(self, request):
        return request.user.has_perm(self.perm)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("portal/disclosure/", admin_views.disclosure_new, name="portal_disclosure_new"),
        path("portal/feedback/", admin_views.feedback_list, name="portal_feedback_list"),
        path("portal/feedback/<int:pk>/", admin_views.feedback_moderate, name="portal_feedback_moderate"),
    ]


@hooks.register("register_admin_menu_item")
def disclosure_menu_item():
    return _PermMenuItem(
        _("村务公开名单"),
        reverse("portal_disclosure_new"),
        icon_name="list-ul",
        order=250,
        perm="portal.publish_portal",
    )


@hooks.register("register_admin_menu_item")
def feedback_menu_item():
    return _PermMenuItem(
        _("网站留言审核"),
        reverse("portal_feedback_list"),
        icon_name="mail",
        order=260,
        perm="portal.moderate_feedback",
    )
