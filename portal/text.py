"""Chinese text handling for the portal: jieba keywords and search tokens, plain text from HTML."""

import html
import logging
import re
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)
# Terms residents search for that jieba's general dictionary may split or merge differently.
_DOMAIN_WORDS = [
    "低保",
    "特困",
    "城乡低保",
    "五保",
    "医保",
    "社保",
    "村务公开",
    "脱贫监测户",
    "留守儿童",
    "独居老人",
]
_TAG_RE = re.compile(r"<[^>]+>")
_KEYWORD_SPLIT_RE = re.compile(r"[,，、;；\s]+")
_STOP = {"的", "了", "和", "与", "及", "在", "是", "对", "为", "等", "年", "月", "日"}


@lru_cache(maxsize=1)
def _ready() -> bool:
    for word in _DOMAIN_WORDS:
        jieba.add_word(word)
    return True


def html_to_text(value: str) -> str:
    return html.unescape(_TAG_RE.sub(" ", value or "")).strip()


def suggest_keywords(body: str, limit: int = 5) -> list[str]:
    """Keywords suggested from the text with jieba's TF-IDF extractor (the editor may change them)."""
    # Imported here, not at the top: jieba.analyse loads its IDF table (~150 MB) on import, and every
    # process (app servers, worker, ledger imports) would carry it though only editors' saves use it.
    import jieba.analyse

    _ready()
    return [w for w in jieba.analyse.extract_tags(body or "", topK=limit * 2) if len(w) > 1][:limit]


def split_keywords(value: str) -> list[str]:
    return [k for k in _KEYWORD_SPLIT_RE.split(value or "") if k]


def tokens(value: str) -> list[str]:
    """Search tokens: jieba's search-mode segmentation, so 城乡低保 yields 城乡, 低保 and 城乡低保."""
    _ready()
    out = []
    for token in jieba.cut_for_search((value or "").lower()):
        token = token.strip()
        if (
            token
            and token not in _STOP
            and not _KEYWORD_SPLIT_RE.fullmatch(token)
            and re.search(r"\w", token)
        ):
            out.append(token)
    return out


def index_tokens(*parts: str) -> str:
    """The stored index: unique tokens, space-delimited with a leading and trailing space for exact matching."""
    seen = dict.fromkeys(t for part in parts for t in tokens(part))
    return " " + " ".join(seen) + " " if seen else ""
