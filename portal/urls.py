"""Public portal routes at the site root; Wagtail serves the pages through a cached view (last: catch-all)."""

from django.urls import path, re_path

from portal import feeds, views

app_name = "portal"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("feedback/", views.feedback, name="feedback"),
    path("lang/", views.language, name="language"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("feeds/<int:channel_id>/rss/", feeds.ChannelRssFeed(), name="feed_rss"),
    path("feeds/<int:channel_id>/atom/", feeds.ChannelAtomFeed(), name="feed_atom"),
    path("", views.serve, {"path": ""}, name="index"),
    re_path(r"^(?P<path>(?:[\w\-]+/)*)$", views.serve, name="page"),
]
