"""Traditional Chinese pages: the rendered Simplified page is converted with OpenCC (s2twp, Taiwan phrasing)."""

from functools import lru_cache

from django.utils.translation import get_language


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("s2twp")


def to_traditional(text: str) -> str:
    return _converter().convert(text)


def to_traditional_response(response) -> None:
    """Convert an HTML/XML response body in place when the active language is zh-hant (addresses are ASCII)."""
    if get_language() != "zh-hant" or getattr(response, "streaming", False):
        return
    content_type = response.get("Content-Type", "")
    if not any(kind in content_type for kind in ("text/html", "xml")):
        return
    charset = response.charset or "utf-8"
    response.content = to_traditional(response.content.decode(charset)).encode(charset)
