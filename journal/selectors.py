"""Reading the journal, scoped: staff see entries about objects they can see, or that they wrote."""

from django.db.models import QuerySet

from journal.models import Entry


def entries_for_target(*, target) -> QuerySet[Entry]:
    """Entries about one object the caller has already fetched through a scoped selector."""
    return Entry.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).select_related("actor")


def pii_views_for_target(*, target) -> QuerySet[Entry]:
    return entries_for_target(target=target).filter(action__endswith=".pii_viewed")
