"""Out-of-scope demands for the URL walker (core/tests/test_scoping.py) and the public routes on purpose."""

from datetime import date

from demands.tests.factories import make_categories, make_demand

PUBLIC_ROUTES = {
    "demands_public:submit": "the resident's own demand form on the portal (rate-limited, honeypot)",
    "demands_public:status": "status by ticket number + last four phone digits; shows offices, never staff names",
    "open311:discovery": "Open311 GeoReport v2 discovery is public by specification",
    "open311:services": "Open311 service list (the county's categories) is public by specification",
    "open311:service_definition": "Open311 service definition is public by specification",
    "open311:requests": "Open311 requests: POST needs an api_key; GET carries no personal data",
    "open311:request_detail": "Open311 request by id: no personal data unless asked by the submitting client",
    "open311:token_detail": "Open311 token → request id, as the specification requires",
    "open311:media": "a photo a handler made public (EXIF stripped); the token is unguessable",
}


def routes(tree) -> dict:
    setup = make_categories(tree)
    demand = make_demand(tree, setup, place_unit=tree.village_b1, text="乙一村的路灯坏了")
    attachment_kwargs = {"pk": demand.pk, "attachment_pk": 1}
    kwargs = {"pk": demand.pk}
    routes = {
        f"demands:{name}": kwargs
        for name in (
            "detail",
            "accept",
            "transfer",
            "answer",
            "verdict",
            "withdraw",
            "merge",
            "attachment_upload",
        )
    }
    routes["demands:attachment_download"] = attachment_kwargs
    routes["demands:attachment_public"] = attachment_kwargs
    # County configuration: the walker's user is not an administrator of this county (404 for everything).
    from demands.models import AuthorityRule
    from demands.services import calendar_day_set, open311_client_issue

    routes["demands:config_category_edit"] = {"category_pk": setup["road"].pk}
    routes["demands:config_rule_delete"] = {
        "rule_pk": AuthorityRule.objects.filter(category=setup["road"]).first().pk
    }
    routes["demands:config_rule_edit"] = routes["demands:config_rule_delete"]
    day = calendar_day_set(actor=None, county=tree.county, date=date(2027, 1, 1), kind="holiday")
    routes["demands:config_day_delete"] = {"day_pk": day.pk}
    client, _key = open311_client_issue(actor=None, name="scoping", county=tree.county)
    routes["demands:config_client_revoke"] = {"client_pk": client.pk}
    routes.update(
        {
            "/api/v1/demands/demands/{demand_id}": {"demand_id": demand.pk},
            "/api/v1/demands/demands/{demand_id}/accept": {"demand_id": demand.pk},
            "/api/v1/demands/demands/{demand_id}/transfer": {
                "demand_id": demand.pk,
                "_body": {"to_department": setup["civil"].pk, "reason": "越权"},
            },
            "/api/v1/demands/demands/{demand_id}/answer": {
                "demand_id": demand.pk,
                "_body": {"outcome": "resolved", "answer": "越权"},
            },
            "/api/v1/demands/demands/{demand_id}/verdict": {
                "demand_id": demand.pk,
                "_body": {"resolved": True, "satisfied": True},
            },
        }
    )
    return routes
