"""Pinyin initials for name search (张三丰 → zsf), cached: names repeat a great deal."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=200_000)
def initials(name: str) -> str:
    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()[:20]
