"""The one allow-list for HTML that people write (editors, imports): nh3 on save and again on render."""

import nh3

# Wagtail's stored rich text uses <a linktype="page" id="…"> and <embed embedtype="image" …/>;
# those attributes must survive storage, and are expanded to plain HTML before the render-time clean.
_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "hr",
    "blockquote",
    "embed",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_STORED_ATTRIBUTES = {
    "a": {"href", "linktype", "id"},
    "embed": {"embedtype", "id", "format", "alt", "url"},
    "img": {"src", "alt", "width", "height", "class"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_RENDERED_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "class"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_html(html: str) -> str:
    """Clean stored rich text: allowed tags and attributes only; scripts, styles and handlers removed."""
    return nh3.clean(
        html or "",
        tags=_TAGS,
        attributes=_STORED_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def clean_rendered_html(html: str) -> str:
    """Clean HTML just before it reaches a page (after Wagtail expanded its internal links and images)."""
    return nh3.clean(
        html or "",
        tags=_TAGS - {"embed"},
        attributes=_RENDERED_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
