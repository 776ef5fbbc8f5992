"""Portal routes for the scoping walker (core/tests/test_scoping.py).

The portal's own pages are public on purpose. The Wagtail CMS under /cms/ is not public: it is
listed here only because its access rule is Wagtail's (group page permissions, synced from each
editor's jurisdiction by portal.services.editor_sync) rather than the workspace's 404 rule; that
an editor cannot reach pages outside their jurisdiction there is asserted in
portal/tests/test_editors.py (it answers 403 or a redirect, not 404).
"""

from django.urls import URLPattern, URLResolver, get_resolver

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


def _cms_names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _cms_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def _cms_routes() -> dict:
    reason = "Wagtail CMS (staff only): page permissions by jurisdiction-synced groups, see portal/tests/test_editors.py"
    names = {}
    for p in get_resolver().url_patterns:
        if isinstance(p, URLResolver) and str(p.pattern) == "cms/":
            names.update(dict.fromkeys(_cms_names(p.url_patterns), reason))
    return names


PUBLIC_ROUTES.update(_cms_routes())


def routes(tree) -> dict:
    return {}
