def routes(tree) -> dict:
    return {
        "territory:unit_detail": {"pk": tree.village_b1.pk},
        "/api/v1/territory/units/{unit_id}": {"unit_id": tree.village_b1.pk},
    }
