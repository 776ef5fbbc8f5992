"""Compile every .po catalog to .mo with msgfmt (GNU gettext), only where the .mo is missing or older.

Then write locale/zh_Hans/LC_MESSAGES/django.mo: Doorstep's msgids are Simplified Chinese, so they have no
zh_Hans catalog, and every lookup in the default language missed — Django then walked the fallback
chain of the eight wagtail `zh` catalogs before returning the msgid (~7-15 µs per string, ~300 strings
on a worklist page). This catalog maps each Chinese msgid to itself, so the lookup hits at once and
the answer is the same text as before. Only msgids with a Chinese character are listed: an English
msgid of ours must not hide Django's or wagtail's own translation of it.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib

root = Path(__file__).resolve().parent.parent
msgfmt = shutil.which("msgfmt")
catalogs = [p for p in root.glob("**/locale/*/LC_MESSAGES/*.po") if ".venv" not in p.parts]
stale = [
    p
    for p in catalogs
    if not p.with_suffix(".mo").exists() or p.with_suffix(".mo").stat().st_mtime < p.stat().st_mtime
]
if stale and not msgfmt:
    sys.exit("msgfmt not found: install GNU gettext (Debian: apt-get install gettext)")
for po in stale:
    subprocess.run([msgfmt, "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)

CHINESE = re.compile(r"[\u3400-\u9fff]")
identity_mo = root / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
sources = [p for p in catalogs if p.parent.parent.name != "zh_Hans" and p.name == "django.po"]
if not identity_mo.exists() or any(identity_mo.stat().st_mtime < p.stat().st_mtime for p in sources):
    identity = polib.POFile()
    identity.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "zh_Hans",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    seen: set[tuple[str | None, str]] = set()
    for path in sorted(sources):
        for entry in polib.pofile(str(path), wrapwidth=0):
            key = (entry.msgctxt, entry.msgid)
            if entry.obsolete or key in seen or not CHINESE.search(entry.msgid):
                continue
            seen.add(key)
            if entry.msgid_plural:
                # Chinese has one form: listed only when both source forms are the same text, so the
                # answer is what the untranslated lookup gave for every n.
                if entry.msgid_plural == entry.msgid:
                    identity.append(
                        polib.POEntry(
                            msgctxt=entry.msgctxt,
                            msgid=entry.msgid,
                            msgid_plural=entry.msgid_plural,
                            msgstr_plural={0: entry.msgid},
                        )
                    )
            else:
                identity.append(polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr=entry.msgid))
    identity_mo.parent.mkdir(parents=True, exist_ok=True)
    identity.save_as_mofile(str(identity_mo))
