"""Cached answers of visits.selectors made stale by the changes they depend on: saved or deleted visit
policies and tags (policy_list), plans and routes (todays_route)."""

from django.db.models.signals import post_delete, post_save

from registry.models import Tag
from visits.models import Plan, PlanRoute, VisitPolicy


def _policies_changed(sender, **kwargs):
    from visits.selectors import policies_changed

    policies_changed()


def _route_changed(sender, instance, **kwargs):
    from visits.selectors import routes_changed

    routes_changed([instance.cadre_id])


def _plan_changed(sender, instance, **kwargs):
    from visits.selectors import routes_changed

    routes_changed(instance.routes.values_list("cadre_id", flat=True))


for _model in (VisitPolicy, Tag):
    post_save.connect(
        _policies_changed, sender=_model, dispatch_uid=f"visits-policies-{_model.__name__}-saved"
    )
    post_delete.connect(
        _policies_changed, sender=_model, dispatch_uid=f"visits-policies-{_model.__name__}-deleted"
    )
post_save.connect(_route_changed, sender=PlanRoute, dispatch_uid="visits-route-saved")
post_delete.connect(_route_changed, sender=PlanRoute, dispatch_uid="visits-route-deleted")
post_save.connect(_plan_changed, sender=Plan, dispatch_uid="visits-plan-saved")
