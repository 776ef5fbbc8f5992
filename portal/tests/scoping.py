"""Portal routes for the scoping walker (core/tests/test_scoping.py).

The portal's own pages are public on purpose. The Wagtail CMS under /cms/ is exempt from the
walker in core/tests/test_scoping.py: its access rule is Wagtail's group page permissions, synced
from each editor's jurisdiction by portal.services.editor_sync, and portal/tests/test_editors.py
asserts that an editor cannot reach pages outside their jurisdiction there.
"""

PUBLIC_ROUTES = {
    "portal:feed_rss": "RSS feed of a public channel: only live, public pages",
    "portal:feed_atom": "Atom feed of a public channel: only live, public pages",
    "portal:search": "public site search over published articles",
    "portal:feedback": "public feedback form (rate-limited, honeypot, spam-screened) and published replies",
    "portal:language": "language switch link for readers",
    "portal:robots": "robots.txt",
    "portal:sitemap": "sitemap.xml of published pages",
    "portal:index": "the portal home page",
    "wagtaildocs_serve": "Wagtail documents linked from published pages (collection privacy applies)",
    "wagtaildocs_authenticate_with_password": "Wagtail's password form for a restricted document",
}


def routes(tree) -> dict:
    return {}
