"""Write English msgstr entries from a {msgid: text or (singular, plural)} dict into one app's catalog.

.venv/bin/python scripts/apply_en.py territory scripts/translations/foundation_en.py
"""

import runpy
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main(app: str, source: str) -> None:
    en = runpy.run_path(source)["EN"]
    path = ROOT / ("locale" if app == "project" else f"{app}/locale") / "en/LC_MESSAGES/django.po"
    po = polib.pofile(str(path), wrapwidth=0)
    for entry in po:
        text = en.get(entry.msgid)
        if text is None:
            continue
        if entry.msgid_plural:
            singular, plural = text if isinstance(text, tuple) else (text, text)
            entry.msgstr_plural = {0: singular, 1: plural}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    missing = [e.msgid for e in po if not e.translated()]
    print(f"{path.relative_to(ROOT)}: {len(missing)} untranslated", *missing[:10], sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
