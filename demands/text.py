"""Chinese text helpers for demands: jieba tokens, category suggestion from county keywords, similarity."""

import logging
import re
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

_STOP = set("的了是我在有和就不人都一个也很到说要去你会着没看好自己这那们吗吧呢啊请能把给被让为与及或等")
_LINK = re.compile(r"(https?://|www\.|[a-z0-9-]+\.(com|net|cn|org|top|xyz|vip|cc|info)\b)", re.IGNORECASE)
_known_words: set[str] = set()


def _teach(words) -> None:
    for word in words:
        if word and word not in _known_words:
            jieba.add_word(word, freq=2000)
            _known_words.add(word)


@lru_cache(maxsize=2048)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(jieba.cut_for_search(text))


def tokens(text: str) -> set[str]:
    """Meaningful words of a text: jieba's search-mode cut, without punctuation, digits and stop words."""
    return set(_token_set(text or ""))


@lru_cache(maxsize=2048)
def _token_set(text: str) -> frozenset[str]:
    # Kept like _cut: a demand page scores its text against up to 50 others, and filtering the same
    # cut again for each of them cost more than the cut.
    out = set()
    for word in _cut(text):
        word = word.strip()
        if not word or word in _STOP or not re.search(r"\w", word) or word.isdigit():
            continue
        out.add(word.lower())
    return frozenset(out)


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' tokens (0–1)."""
    ta, tb = _token_set(a or ""), _token_set(b or "")
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def suggest(text: str, categories) -> tuple[object | None, list[str]]:
    """The category whose keywords best match the text, with the keywords that matched."""
    categories = list(categories)
    _teach(k for c in categories for k in c.keyword_list())
    words = tokens(text)
    best, best_hits = None, []
    for category in categories:
        hits = [k for k in category.keyword_list() if k.lower() in words or (len(k) > 1 and k in text)]
        if len(hits) > len(best_hits):
            best, best_hits = category, hits
    return best, best_hits


def link_count(text: str) -> int:
    return len(_LINK.findall(text or ""))
