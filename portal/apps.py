from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户网站")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from wagtail.signals import page_published, page_unpublished

        from territory.roles import Role, extend_role_permissions

        editor = {"portal.edit_portal", "wagtailadmin.access_admin"}
        publisher = editor | {"portal.publish_portal", "portal.moderate_feedback"}
        extend_role_permissions(
            {
                Role.VILLAGE_OFFICIAL: editor,
                Role.TOWNSHIP_CADRE: editor,
                Role.TOWNSHIP_LEADER: publisher,
                Role.ADMINISTRATOR: publisher,
            }
        )
        from django.db.models.signals import post_save

        from portal.models import FooterSettings

        post_save.connect(_footer_saved, sender=FooterSettings, dispatch_uid="portal-footer-saved")
        page_published.connect(_content_changed, dispatch_uid="portal-published")
        page_unpublished.connect(_content_changed, dispatch_uid="portal-unpublished")
        user_logged_in.connect(_sync_editor, dispatch_uid="portal-sync-editor")


def _content_changed(sender, **kwargs):
    from portal.services import bump_cache_version

    bump_cache_version()


def _footer_saved(sender, created=False, **kwargs):
    # FooterSettings.for_site() creates an empty row while a page renders; only real edits change pages.
    if not created:
        _content_changed(sender)


def _sync_editor(sender, user, **kwargs):
    # Jurisdictions change in the territory app; refreshing on login keeps CMS rights in step without coupling.
    from portal.services import editor_sync

    editor_sync(staff=user)
