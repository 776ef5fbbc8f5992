from django_tasks import task


@task()
def withdraw_expired_disclosures() -> int:
    """Background run of the disclosure withdrawal (schedule it daily; pages also refuse to render when expired)."""
    from portal.services import disclosure_withdraw_expired

    return disclosure_withdraw_expired()
