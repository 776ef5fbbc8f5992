"""Saved or deleted visit policies and tags make the cached policy lists stale (visits.selectors.policy_list)."""

from django.db.models.signals import post_delete, post_save

from registry.models import Tag
from visits.models import VisitPolicy


def _policies_changed(sender, **kwargs):
    from visits.selectors import policies_changed

    policies_changed()


for _model in (VisitPolicy, Tag):
    post_save.connect(
        _policies_changed, sender=_model, dispatch_uid=f"visits-policies-{_model.__name__}-saved"
    )
    post_delete.connect(
        _policies_changed, sender=_model, dispatch_uid=f"visits-policies-{_model.__name__}-deleted"
    )
