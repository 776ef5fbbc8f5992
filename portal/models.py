"""The public portal's pages: one site per county, a section per township, channels, articles, disclosures.

Wagtail provides drafts, revisions, moderation, scheduled publishing and images; rules about who may
edit where live in portal/services.py (editor groups synced from Doorstep jurisdictions).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page

from portal import text
from portal.sanitize import clean_html

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "image", "hr", "blockquote"]


class SanitizedRichTextField(RichTextField):
    """Rich text cleaned with the nh3 allow-list whenever it is stored, whoever wrote it."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return clean_html(value) if value else value


def _reject_spam(errors: dict, field: str, value: str) -> None:
    from portal.spam import screen

    verdict = screen(value or "")
    if verdict.held:
        errors[field] = _("内容疑似垃圾信息（%(reason)s），不能保存。") % {"reason": verdict.reason}


class SectionMixin:
    """Pages that own channels: the county home page and township sections."""

    def channels(self):
        return ChannelPage.objects.child_of(self).live().public().specific().order_by("path")


class HomePage(SectionMixin, Page):
    """The root of one county's portal site (一县一站)."""

    # SET_NULL, not PROTECT: pages are removed through Wagtail's tree, never by a cascade from territory.
    unit = models.ForeignKey(
        "territory.AdminUnit",
        verbose_name=_("所属行政区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intro = models.CharField(_("简介"), max_length=200, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("unit"), FieldPanel("intro")]
    subpage_types = ["portal.ChannelPage", "portal.SectionPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("门户首页")
        verbose_name_plural = _("门户首页")
        permissions = [
            ("edit_portal", _("可编辑本辖区门户内容")),
            ("publish_portal", _("可发布本辖区门户内容")),
        ]

    def get_context(self, request, *args, **kwargs):
        from portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.home_context(self))
        return context


class SectionPage(SectionMixin, Page):
    """A township's (or village's) own section of the county portal; its editors work only here."""

    unit = models.ForeignKey(
        "territory.AdminUnit",
        verbose_name=_("所属行政区"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intro = models.CharField(_("简介"), max_length=200, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("unit"), FieldPanel("intro")]
    subpage_types = ["portal.ChannelPage", "portal.SectionPage"]
    parent_page_types = ["portal.HomePage", "portal.SectionPage"]

    class Meta:
        verbose_name = _("乡镇栏目")
        verbose_name_plural = _("乡镇栏目")

    def get_context(self, request, *args, **kwargs):
        from portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.home_context(self))
        return context


class ChannelPage(Page):
    """A channel (新闻, 通知公告, …) listing its articles newest first."""

    class Kind(models.TextChoices):
        NEWS = "news", _("新闻")
        NOTICE = "notice", _("通知公告")
        POLICY = "policy", _("政策解读")
        DISCLOSURE = "disclosure", _("村务公开")
        GUIDE = "guide", _("办事指南")
        LIVELIHOOD = "livelihood", _("民生")

    kind = models.CharField(_("频道类型"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    intro = models.CharField(_("简介"), max_length=200, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("kind"), FieldPanel("intro")]
    subpage_types = ["portal.ArticlePage", "portal.DisclosurePage"]
    parent_page_types = ["portal.HomePage", "portal.SectionPage"]

    class Meta:
        verbose_name = _("频道")
        verbose_name_plural = _("频道")

    def get_context(self, request, *args, **kwargs):
        from portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context["page_obj"] = selectors.channel_page(self, request.GET.get("page"))
        return context


class ArticlePage(Page):
    """A news item, notice or guide: title, 来源, author, publish time, body, keywords, lead image."""

    source = models.CharField(_("来源"), max_length=100, blank=True)
    author = models.CharField(_("作者"), max_length=50, blank=True)
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now, db_index=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = SanitizedRichTextField(_("正文"), features=RICH_TEXT_FEATURES)
    keywords = models.CharField(
        _("关键词"),
        max_length=200,
        blank=True,
        help_text=_("用逗号分隔；留空则保存时按正文自动提取，可再修改。"),
    )
    lead_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("题图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_pick = models.BooleanField(_("频道精选"), default=False)
    # Space-delimited jieba tokens of title, keywords and body: what the portal search matches.
    search_tokens = models.TextField(editable=False, blank=True, default="")

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("source"), FieldPanel("author"), FieldPanel("published_at"), FieldPanel("is_pick")],
            heading=_("发布信息"),
        ),
        FieldPanel("summary"),
        FieldPanel("lead_image"),
        FieldPanel("body"),
        FieldPanel("keywords"),
    ]
    subpage_types: list = []
    parent_page_types = ["portal.ChannelPage"]

    class Meta:
        verbose_name = _("文章")
        verbose_name_plural = _("文章")

    def clean(self):
        super().clean()
        errors: dict = {}
        _reject_spam(errors, "title", self.title)
        _reject_spam(errors, "keywords", self.keywords)
        _reject_spam(errors, "summary", self.summary)
        _reject_spam(errors, "body", text.html_to_text(self.body or ""))
        if errors:
            raise ValidationError(errors)
        # Keywords are suggested from the body when the editor left them empty; the editor may change them.
        if not self.keywords.strip():
            self.keywords = "，".join(
                text.suggest_keywords(f"{self.title}\n{text.html_to_text(self.body or '')}")
            )
        self.search_tokens = text.index_tokens(self.title, self.keywords, text.html_to_text(self.body or ""))

    @property
    def keyword_list(self) -> list[str]:
        return text.split_keywords(self.keywords)

    def get_context(self, request, *args, **kwargs):
        from portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.article_context(self))
        return context


class DisclosurePage(Page):
    """A village-affairs disclosure (村务公开) built from registry data, masked, withdrawn when its period ends."""

    village = models.ForeignKey(
        "territory.AdminUnit",
        verbose_name=_("村（社区）"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tag_code = models.CharField(_("标签"), max_length=50)
    tag_name = models.CharField(_("标签名称"), max_length=50)
    period_label = models.CharField(_("公开期间"), max_length=50)
    intro = models.TextField(_("说明"), blank=True)
    # Rows are stored already masked: [{"name": "张*明", "id": "4101**********1234", "members": 3}, ...]
    rows = models.JSONField(_("公开名单"), default=list, editable=False)
    withdraw_at = models.DateTimeField(_("撤下时间"), db_index=True)
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    source = models.CharField(_("来源"), max_length=100, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("withdraw_at")]
    subpage_types: list = []
    parent_page_types = ["portal.ChannelPage"]
    # Built only by portal.services.disclosure_publish (from registry data, masked): see the CMS menu item.
    is_creatable = False

    class Meta:
        verbose_name = _("村务公开名单")
        verbose_name_plural = _("村务公开名单")

    def clean(self):
        super().clean()
        errors: dict = {}
        _reject_spam(errors, "title", self.title)
        _reject_spam(errors, "intro", self.intro)
        if errors:
            raise ValidationError(errors)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdraw_at <= timezone.now()

    def serve(self, request, *args, **kwargs):
        from django.http import Http404

        # The render-time check: an expired list is never shown, even before the withdrawal task has run.
        if self.is_withdrawn:
            raise Http404
        return super().serve(request, *args, **kwargs)


class Feedback(models.Model):
    """A resident's message on the portal (意见建议); shown publicly only after an editor publishes it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        HELD = "held", _("疑似垃圾，已拦截")
        PUBLISHED = "published", _("已公开")
        REJECTED = "rejected", _("不予公开")

    site_root = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+", verbose_name=_("站点"))
    name = models.CharField(_("称呼"), max_length=30)
    body = models.TextField(_("内容"), max_length=1000)
    reply = models.TextField(_("答复"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    held_reason = models.CharField(_("拦截原因"), max_length=200, blank=True)
    address_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("意见建议")
        verbose_name_plural = _("意见建议")
        ordering = ["-created_at"]
        permissions = [("moderate_feedback", _("可审核网站留言"))]

    def __str__(self) -> str:
        return f"{self.name}: {self.body[:20]}"


@register_setting(icon="cog")
class FooterSettings(BaseSiteSetting):
    """Per-site footer text; empty fields fall back to the PORTAL_* Django settings."""

    site_name = models.CharField(_("网站名称"), max_length=60, blank=True)
    copyright_start = models.PositiveIntegerField(_("版权起始年份"), null=True, blank=True)
    icp_number = models.CharField(_("ICP备案号"), max_length=60, blank=True)
    psb_number = models.CharField(_("公安备案号"), max_length=60, blank=True)
    sponsor = models.CharField(_("主办单位"), max_length=60, blank=True)

    panels = [
        FieldPanel("site_name"),
        FieldPanel("sponsor"),
        FieldPanel("copyright_start"),
        FieldPanel("icp_number"),
        FieldPanel("psb_number"),
    ]

    class Meta:
        verbose_name = _("页脚设置")

    def clean(self):
        super().clean()
        errors: dict = {}
        for field in ("site_name", "icp_number", "psb_number", "sponsor"):
            _reject_spam(errors, field, getattr(self, field))
        if errors:
            raise ValidationError(errors)

    def resolved(self) -> dict:
        year = timezone.localdate().year
        start = self.copyright_start or settings.PORTAL_COPYRIGHT_START
        return {
            "site_name": self.site_name or settings.PORTAL_SITE_NAME,
            "sponsor": self.sponsor,
            "years": f"{start}-{year}" if start < year else str(year),
            "icp_number": self.icp_number or settings.PORTAL_ICP_NUMBER,
            "psb_number": self.psb_number or settings.PORTAL_PSB_NUMBER,
        }
