"""The default language's identity catalog (scripts/compile_messages.py): Chinese msgids hit at once."""

from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real


def _chinese_msgids() -> list[str]:
    po = polib.pofile(str(Path(settings.BASE_DIR) / "visits" / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    return [e.msgid for e in po if not e.obsolete and not e.msgid_plural and not e.msgctxt]


def test_every_chinese_msgid_is_in_the_zh_hans_catalog_itself():
    catalog = trans_real.translation("zh-hans")._catalog
    msgids = _chinese_msgids()
    assert len(msgids) > 50
    # A lookup that hits the catalog never walks wagtail's `zh` fallbacks; the answer is the msgid.
    assert [m for m in msgids if catalog.get(m) != m] == []


def test_the_identity_catalog_changes_no_answer():
    with translation.override("zh-hans"):
        assert translation.gettext("%(n)s 个工作日") == "%(n)s 个工作日"
        # Django's own English msgids keep Django's own Chinese translation.
        assert translation.gettext("This field is required.") == "必需字段"
        assert translation.ngettext("%(n)s 户", "%(n)s 户", 3) == "%(n)s 户"
    with translation.override("en"):
        assert translation.gettext("%(n)s 户") == "%(n)s household"
