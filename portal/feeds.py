"""RSS 2.0 and Atom feeds per channel (django.contrib.syndication)."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed

from portal import selectors
from portal.models import ChannelPage
from portal.text import html_to_text


class ChannelRssFeed(Feed):
    def get_object(self, request, channel_id):
        channel = ChannelPage.objects.live().public().filter(pk=channel_id).first()
        if channel is None:
            raise Http404
        self.request = request
        return channel

    def title(self, obj):
        return f"{selectors.site_root(obj).title} · {obj.title}"

    def link(self, obj):
        return obj.get_url(request=self.request) or "/"

    def description(self, obj):
        return obj.intro or obj.title

    def items(self, obj):
        return [
            item.specific if hasattr(item, "specific") else item for item in selectors.channel_items(obj)[:30]
        ]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        summary = getattr(item, "summary", "") or html_to_text(getattr(item, "body", "") or "")[:200]
        return summary

    def item_link(self, item):
        return item.get_url(request=self.request)

    def item_pubdate(self, item):
        return item.published_at


class ChannelAtomFeed(ChannelRssFeed):
    feed_type = Atom1Feed
    subtitle = ChannelRssFeed.description
