"""Spam screen for anything the public submits (portal feedback, the demands form, imports).

Link farms (蜘蛛池) stuff links, or long runs of unrelated short keywords joined by delimiters,
into whatever field they can reach. `screen(text)` says whether a submission must be held for
moderation instead of being shown; held items are never published.

Usage from another app::

    from portal.spam import screen
    verdict = screen(form.cleaned_data["content"])
    if verdict.held: ...  # keep it out of public view, record verdict.reason
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_LINK_RE = re.compile(
    r"(?:https?://|www\.|<\s*a\s|href\s*=|\b[a-z0-9][a-z0-9-]{0,62}\.(?:com|cn|net|org|cc|top|xyz|vip|info|me|co|tv|app)\b)",
    re.IGNORECASE,
)
_DELIMITERS_RE = re.compile(r"[|｜/\\_、,，;；·•~\-—\s]+")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_SENTENCE_RE = re.compile(r"[。！？!?：:“”\"（）()]")

MAX_LINKS = 1  # one link may be a resident pointing at a document; more is a farm
MAX_KEYWORD_RUN = 7  # a list of up to 7 short items is ordinary prose (文件多、会议多、…)
MAX_KEYWORD_LEN = 8


@dataclass(frozen=True)
class Verdict:
    held: bool
    reason: str = ""
    links: int = 0
    keyword_run: int = 0


def _keyword_like(segment: str) -> bool:
    return (
        0 < len(segment) <= MAX_KEYWORD_LEN
        and bool(_CJK_RE.search(segment))
        and not _SENTENCE_RE.search(segment)
    )


def longest_keyword_run(text: str) -> int:
    """Length of the longest run of distinct short CJK keywords separated only by delimiters."""
    best = 0
    run: list[str] = []
    for segment in _DELIMITERS_RE.split(text or ""):
        if _keyword_like(segment):
            run.append(segment)
            # Repeats of one word are emphasis or a list header, not a farm of unrelated keywords.
            best = max(best, len(set(run)))
        else:
            run = []
    return best


def screen(text: str) -> Verdict:
    """Hold text that stuffs links or runs of unrelated delimiter-separated keywords; pass ordinary text."""
    text = text or ""
    links = len(_LINK_RE.findall(text))
    run = longest_keyword_run(text)
    if links > MAX_LINKS:
        return Verdict(True, _("包含%(n)d个链接") % {"n": links}, links, run)
    if run > MAX_KEYWORD_RUN:
        return Verdict(True, _("连续堆砌%(n)d个关键词") % {"n": run}, links, run)
    if links and run > 3:
        return Verdict(True, _("链接加关键词堆砌"), links, run)
    return Verdict(False, "", links, run)
