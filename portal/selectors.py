"""Reads for the public portal: only live, public pages; disclosures past their period never appear."""

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from wagtail.models import Page

from portal import text
from portal.models import ArticlePage, ChannelPage, DisclosurePage, Feedback

PER_PAGE = 15
HOME_ITEMS = 6


def site_root(page: Page) -> Page:
    """The county home page this page belongs to (depth 2 in Wagtail's tree)."""
    return page if page.depth <= 2 else page.get_ancestors().filter(depth=2).first() or page


def _live_articles(parent: Page) -> QuerySet[ArticlePage]:
    return ArticlePage.objects.descendant_of(parent).live().public().order_by("-published_at", "-id")


def _live_disclosures(parent: Page) -> QuerySet[DisclosurePage]:
    return (
        DisclosurePage.objects.descendant_of(parent)
        .live()
        .public()
        .filter(withdraw_at__gt=timezone.now())
        .order_by("-published_at", "-id")
    )


def channel_items(channel: ChannelPage) -> list:
    """Articles and unexpired disclosures of one channel, newest first."""
    if channel.kind == ChannelPage.Kind.DISCLOSURE:
        items = list(_live_disclosures(channel)) + list(_live_articles(channel))
        return sorted(items, key=lambda p: p.published_at, reverse=True)
    return list(_live_articles(channel).defer("body", "search_tokens"))


def channel_page(channel: ChannelPage, number):
    return Paginator(channel_items(channel), PER_PAGE).get_page(number)


def home_context(section: Page) -> dict:
    """Latest items per channel of this home page or township section, plus its picks and sub-sections."""
    from portal.models import SectionPage

    channels = list(ChannelPage.objects.child_of(section).live().public().order_by("path"))
    blocks = [(channel, channel_items(channel)[:HOME_ITEMS]) for channel in channels]
    picks = list(_live_articles(section).filter(is_pick=True).defer("body", "search_tokens")[:HOME_ITEMS])
    sections = list(SectionPage.objects.child_of(section).live().public().order_by("path"))
    return {"channel_blocks": blocks, "picks": picks, "sections": sections}


def article_context(article: ArticlePage) -> dict:
    """Breadcrumb, channel picks, previous/next in the channel and related articles by shared keywords."""
    channel = article.get_parent().specific
    breadcrumb = [p.specific for p in article.get_ancestors().filter(depth__gte=2)]
    siblings = _live_articles(channel).defer("body", "search_tokens")
    newer = (
        siblings.filter(
            Q(published_at__gt=article.published_at) | Q(published_at=article.published_at, id__gt=article.id)
        )
        .order_by("published_at", "id")
        .first()
    )
    older = (
        siblings.filter(
            Q(published_at__lt=article.published_at) | Q(published_at=article.published_at, id__lt=article.id)
        )
        .order_by("-published_at", "-id")
        .first()
    )
    picks = list(siblings.filter(is_pick=True).exclude(pk=article.pk)[:5])
    return {
        "channel": channel,
        "breadcrumb": breadcrumb,
        "picks": picks,
        "previous_article": older,
        "next_article": newer,
        "related": related_articles(article),
    }


def related_articles(article: ArticlePage, limit: int = 5) -> list[ArticlePage]:
    """Articles of the same site sharing the most keywords with this one."""
    keywords = article.keyword_list
    if not keywords:
        return []
    q = Q()
    for keyword in keywords:
        q |= Q(keywords__contains=keyword)
    candidates = (
        _live_articles(site_root(article))
        .filter(q)
        .exclude(pk=article.pk)
        .defer("body", "search_tokens")[:50]
    )
    wanted = set(keywords)
    scored = [(len(wanted & set(c.keyword_list)), c) for c in candidates]
    scored = [s for s in scored if s[0]]
    scored.sort(key=lambda s: (-s[0], -s[1].published_at.timestamp()))
    return [c for _score, c in scored[:limit]]


def search(*, root: Page, query: str) -> QuerySet[ArticlePage]:
    """Articles under `root` containing every jieba token of the query (低保 finds 低保申请 and 城乡低保)."""
    words = text.tokens(query or "")[:10]
    if not words:
        return ArticlePage.objects.none()
    qs = _live_articles(root)
    for word in dict.fromkeys(words):
        qs = qs.filter(search_tokens__contains=f" {word} ")
    return qs.defer("body", "search_tokens")


def feedback_public(*, root: Page) -> QuerySet[Feedback]:
    """Only feedback an editor published; pending and held items never appear."""
    return Feedback.objects.filter(site_root=root, status=Feedback.Status.PUBLISHED).order_by("-created_at")


def disclosure_channels(*, user) -> QuerySet[ChannelPage]:
    """村务公开 channels this editor may publish in (Wagtail page permissions, synced from jurisdiction)."""
    channels = ChannelPage.objects.filter(kind=ChannelPage.Kind.DISCLOSURE).order_by("path")
    allowed = [c.pk for c in channels if c.permissions_for_user(user).can_publish_subpage()]
    return ChannelPage.objects.filter(pk__in=allowed).order_by("path")


def feedback_for_editor(*, user) -> QuerySet[Feedback]:
    """Feedback of the sites whose home page this editor may edit; nothing for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("portal.moderate_feedback"):
        return Feedback.objects.none()
    from portal.models import HomePage

    roots = [h.pk for h in HomePage.objects.all() if h.permissions_for_user(user).can_edit()]
    return Feedback.objects.filter(site_root_id__in=roots).order_by("-created_at")
