"""Writes for the portal: editor permissions from jurisdictions, disclosures, resident feedback."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

import journal
from core.masking import mask_id_number, mask_name
from portal.models import ArticlePage, ChannelPage, DisclosurePage, Feedback, HomePage, SectionPage
from portal.spam import screen
from territory.selectors import jurisdiction_paths, unit_in_scope

GROUP_PREFIX = "门户"
EDIT_PERMS = ("add_page", "change_page", "lock_page", "unlock_page")
PUBLISH_PERMS = (*EDIT_PERMS, "publish_page")
IMAGE_PERMS = ("add_image", "choose_image", "change_image")


class RateLimited(Exception):
    """Too many submissions from one address in the current window."""


def bump_cache_version() -> None:
    """Invalidate every cached anonymous portal page (called on publish, unpublish and moderation)."""
    try:
        cache.incr("portal:version")
    except ValueError:
        cache.set("portal:version", 2, None)


def _editable_roots(staff) -> list[Page]:
    """Site and section pages whose unit lies inside the staff member's jurisdiction (outermost only)."""
    paths = jurisdiction_paths(staff)
    if not paths:
        return []
    pages = [
        *HomePage.objects.filter(unit__isnull=False).select_related("unit"),
        *SectionPage.objects.filter(unit__isnull=False).select_related("unit"),
    ]
    inside = [p for p in pages if any(p.unit.path.startswith(j) for j in paths)]
    inside.sort(key=lambda p: p.depth)
    kept: list[Page] = []
    for page in inside:
        if not any(page.path.startswith(k.path) for k in kept):
            kept.append(page)
    return kept


def _group_for(page: Page, *, publish: bool) -> Group:
    kind = "发布" if publish else "编辑"
    group, created = Group.objects.get_or_create(name=f"{GROUP_PREFIX}{kind}·{page.title}·{page.pk}")
    if created:
        for codename in PUBLISH_PERMS if publish else EDIT_PERMS:
            GroupPagePermission.objects.create(
                group=group,
                page=page,
                permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=codename),
            )
        _ensure_wagtail_roots()
        root_collection = Collection.get_first_root_node()
        for codename in IMAGE_PERMS:
            GroupCollectionPermission.objects.create(
                group=group,
                collection=root_collection,
                permission=Permission.objects.get(content_type__app_label="wagtailimages", codename=codename),
            )
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
        if publish:
            _moderation_workflow(page, group)
    return group


def _moderation_workflow(page: Page, publishers: Group) -> None:
    """Drafts submitted for moderation under this site/section go to its own publishers, not a global group."""
    task = GroupApprovalTask.objects.create(name=f"{page.title}审核·{page.pk}")
    task.groups.set([publishers])
    workflow = Workflow.objects.create(name=f"{page.title}审核流程·{page.pk}")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=page, defaults={"workflow": workflow})


@transaction.atomic
def editor_sync(*, staff, actor=None) -> list[Group]:
    """Put an editor in the portal groups of exactly the sites/sections inside their jurisdiction."""
    if staff.is_active and staff.has_perm("portal.edit_portal"):
        publish = staff.has_perm("portal.publish_portal")
        wanted = [_group_for(page, publish=publish) for page in _editable_roots(staff)]
    else:
        wanted = []
    current = set(staff.groups.filter(name__startswith=GROUP_PREFIX))
    if current != set(wanted):
        staff.groups.remove(*(current - set(wanted)))
        staff.groups.add(*(set(wanted) - current))
        journal.record(
            actor=actor,
            action="portal.editors.synced",
            target=staff,
            data={"groups": sorted(g.name for g in wanted)},
        )
    return wanted


def editor_sync_all(*, actor=None) -> int:
    from territory.models import Staff

    count = 0
    for staff in Staff.objects.filter(is_active=True).prefetch_related("jurisdictions"):
        editor_sync(staff=staff, actor=actor)
        count += 1
    return count


def _disclosure_rows(*, actor, village, tag_code: str) -> list[dict]:
    from registry.models import Person
    from registry.selectors import household_list

    households = household_list(
        user=actor, filters={"village": village.pk, "tag": tag_code}
    ).prefetch_related("members")
    rows = []
    for household in households:
        head = next((m for m in household.members.all() if m.relation == Person.Relation.HEAD), None)
        rows.append(
            {
                "name": mask_name(household.head_name),
                "id": mask_id_number(head.id_masked) if head and head.id_masked else "",
                "members": len(household.members.all()),
            }
        )
    return rows


@transaction.atomic
def disclosure_publish(
    *,
    actor,
    channel: ChannelPage,
    village,
    tag_code: str,
    title: str,
    period_label: str,
    days: int = 30,
    intro: str = "",
) -> DisclosurePage:
    """Publish a masked list of a village's households with a tag; it is withdrawn after `days`."""
    return _disclosure_create(
        actor=actor,
        channel=channel,
        village=village,
        tag_code=tag_code,
        title=title,
        period_label=period_label,
        days=days,
        intro=intro,
        journal_actor=actor,
    )


@transaction.atomic
def disclosure_seed(*, editor, **kwargs) -> DisclosurePage:
    """The demo's disclosure: the same rules and masking as an editor's, journaled as the system's seeding."""
    return _disclosure_create(actor=editor, journal_actor=None, **kwargs)


def _disclosure_create(
    *,
    actor,
    channel: ChannelPage,
    village,
    tag_code: str,
    title: str,
    period_label: str,
    days: int,
    intro: str,
    journal_actor,
) -> DisclosurePage:
    if not actor.has_perm("portal.publish_portal") or not unit_in_scope(user=actor, unit=village):
        raise PermissionDenied(_("无权发布该村的公开名单"))
    if not channel.permissions_for_user(actor).can_publish_subpage():
        raise PermissionDenied(_("无权在该频道发布"))
    if channel.kind != ChannelPage.Kind.DISCLOSURE:
        raise ValidationError(_("村务公开名单只能发在“村务公开”频道"))
    from registry.selectors import tag_list

    tag = tag_list(user=actor).filter(code=tag_code).first()
    if tag is None:
        raise ValidationError(_("没有这个标签"))
    now = timezone.now()
    page = DisclosurePage(
        title=title,
        slug=f"disclosure-{village.code}-{tag_code}-{now:%Y%m%d%H%M%S}".replace("_", "-"),
        village=village,
        tag_code=tag_code,
        tag_name=tag.name,
        period_label=period_label,
        intro=intro,
        rows=_disclosure_rows(actor=actor, village=village, tag_code=tag_code),
        published_at=now,
        withdraw_at=now + timedelta(days=days),
        source=village.name,
        live=False,
        owner=actor,
    )
    channel.add_child(instance=page)
    page.save_revision(user=actor, log_action=True).publish(user=actor)
    page.refresh_from_db()  # publish() worked on a copy made from the revision
    journal.record(
        actor=journal_actor,
        action="portal.disclosure.published",
        target=page,
        data={
            "village": village.code,
            "tag": tag_code,
            "rows": len(page.rows),
            "withdraw_at": page.withdraw_at.isoformat(),
            "editor": actor.get_username(),
        },
    )
    bump_cache_version()
    return page


@transaction.atomic
def disclosure_withdraw_expired(*, now=None) -> int:
    """Unpublish every live disclosure whose period has ended; journaled as the system's action."""
    now = now or timezone.now()
    count = 0
    for page in DisclosurePage.objects.live().filter(withdraw_at__lte=now):
        page.unpublish(log_action=True)
        journal.record(
            actor=None,
            action="portal.disclosure.withdrawn",
            target=page,
            data={"withdraw_at": page.withdraw_at.isoformat()},
        )
        count += 1
    if count:
        bump_cache_version()
    return count


def _address_hash(address: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def _check_rate(address_hash: str) -> None:
    limit, window = settings.PORTAL_FORM_RATE
    key = f"portal:rate:{address_hash}"
    if cache.add(key, 1, window):
        return
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, window)
        return
    if count > limit:
        raise RateLimited


@transaction.atomic
def feedback_submit(*, root: Page, name: str, body: str, address: str, honeypot: str = "") -> Feedback | None:
    """Take a resident's message: rate-limited per address, bots dropped, link-farm text held, none shown until published."""
    address_hash = _address_hash(address or "unknown")
    _check_rate(address_hash)
    if honeypot:
        return None
    verdict = screen(f"{name}\n{body}")
    feedback = Feedback(
        site_root=root,
        name=name.strip(),
        body=body.strip(),
        address_hash=address_hash,
        status=Feedback.Status.HELD if verdict.held else Feedback.Status.PENDING,
        held_reason=verdict.reason[:200],
    )
    feedback.full_clean()
    feedback.save()
    return feedback


@transaction.atomic
def feedback_moderate(*, actor, feedback: Feedback, status: str, reply: str = "") -> Feedback:
    """An editor publishes or rejects a message; held (spam-screened) messages can never be published."""
    if not actor.has_perm("portal.moderate_feedback"):
        raise PermissionDenied
    if not feedback.site_root.permissions_for_user(actor).can_edit() and not actor.is_superuser:
        raise PermissionDenied
    if status == Feedback.Status.PUBLISHED and (
        feedback.status == Feedback.Status.HELD or screen(reply).held
    ):
        raise ValidationError(_("疑似垃圾信息的留言不能公开"))
    feedback.status = status
    feedback.reply = reply
    feedback.full_clean()
    feedback.save(update_fields=["status", "reply"])
    journal.record(actor=actor, action="portal.feedback.moderated", target=feedback, data={"status": status})
    bump_cache_version()
    return feedback


CHANNELS = [
    ("news", ChannelPage.Kind.NEWS),
    ("notices", ChannelPage.Kind.NOTICE),
    ("policy", ChannelPage.Kind.POLICY),
    ("disclosure", ChannelPage.Kind.DISCLOSURE),
    ("guide", ChannelPage.Kind.GUIDE),
    ("livelihood", ChannelPage.Kind.LIVELIHOOD),
]


def _ensure_wagtail_roots() -> Page:
    """Wagtail's migrations make the root page, root collection and default locale; a flushed database lacks them."""
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))


def _add_channels(parent: Page) -> dict[str, ChannelPage]:
    made = {}
    for slug, kind in CHANNELS:
        channel = ChannelPage(title=str(kind.label), slug=slug, kind=kind)
        parent.add_child(instance=channel)
        made[kind.value] = channel
    return made


@transaction.atomic
def site_create(
    *, county, townships, hostname: str = "localhost", port: int = 80, default: bool = True
) -> dict:
    """One Wagtail site per county with the standard channels, and a section (with channels) per township."""
    root = _ensure_wagtail_roots()
    home = HomePage(title=f"{county.name}人民政府", slug=f"county-{county.code}", unit=county)
    root.add_child(instance=home)
    if default:
        Site.objects.filter(is_default_site=True).update(is_default_site=False)
    Site.objects.update_or_create(
        hostname=hostname,
        port=port,
        defaults={"root_page": home, "site_name": home.title, "is_default_site": default},
    )
    sections = {}
    channels = {"county": _add_channels(home)}
    for township in townships:
        section = SectionPage(title=township.name, slug=f"town-{township.code}", unit=township)
        home.add_child(instance=section)
        sections[township.pk] = section
        channels[township.pk] = _add_channels(section)
    bump_cache_version()
    return {"home": home, "sections": sections, "channels": channels}


@transaction.atomic
def article_publish(
    *,
    actor,
    channel: ChannelPage,
    title: str,
    body: str,
    slug: str,
    source: str = "",
    author: str = "",
    summary: str = "",
    keywords: str = "",
    is_pick: bool = False,
    published_at=None,
    with_revision: bool = True,
) -> ArticlePage:
    """Create and publish an article through Wagtail's revision workflow (bulk seeding may skip the revision)."""
    if actor is not None and not channel.permissions_for_user(actor).can_publish_subpage():
        raise PermissionDenied(_("无权在该频道发布"))
    article = ArticlePage(
        title=title,
        slug=slug,
        body=body,
        source=source,
        author=author,
        summary=summary,
        keywords=keywords,
        is_pick=is_pick,
        published_at=published_at or timezone.now(),
        live=not with_revision,
        owner=actor,
    )
    if not with_revision:
        article.first_published_at = article.last_published_at = article.published_at
    channel.add_child(instance=article)
    if with_revision:
        article.save_revision(user=actor).publish(user=actor)
        article.refresh_from_db()  # publish() worked on a copy made from the revision
    else:
        bump_cache_version()
    return article
