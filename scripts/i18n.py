"""Refresh the translation catalogs. zh-Hans is the source (msgids are Simplified Chinese).

- Each app keeps its own catalogs in <app>/locale/ (project templates use ./locale/).
- zh_Hant entries are converted from the msgid with OpenCC (s2twp: Taiwan phrasing) unless a
  person already wrote them; English entries are written by people and listed here when missing.

Run: .venv/bin/python scripts/i18n.py   (needs GNU gettext's xgettext; then `make messages`)
"""

import subprocess
import sys
from pathlib import Path

import opencc
import polib

ROOT = Path(__file__).resolve().parent.parent
APPS = ["core", "territory", "registry", "journal", "visits", "demands", "burden", "portal"]
LOCALES = ["zh_Hant", "en"]
converter = opencc.OpenCC("s2twp")


def makemessages(where: Path, ignore: list[str]) -> None:
    (where / "locale").mkdir(exist_ok=True)
    cmd = [sys.executable, str(ROOT / "manage.py"), "makemessages", "--no-obsolete", "--no-location"]
    for locale in LOCALES:
        cmd += ["-l", locale]
    for pattern in ignore + [
        ".venv",
        "node_modules",
        "static",
        "staticfiles",
        "var",
        "test-artifacts",
        "bench",
    ]:
        cmd += ["--ignore", pattern]
    subprocess.run(cmd, cwd=where, check=True, stdout=subprocess.DEVNULL)


PLURAL_FORMS = {"zh_Hant": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}


def tidy(po: polib.POFile, locale: str) -> None:
    po.metadata_is_fuzzy = False  # a fuzzy header would be dropped by msgfmt, and with it Plural-Forms
    po.metadata["Plural-Forms"] = PLURAL_FORMS[locale]
    po.metadata["Language"] = locale
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    if locale == "zh_Hant":
        for entry in po:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgstr_plural.get(0, "")}


def fill_hant(po: polib.POFile) -> int:
    """Fill untranslated zh_Hant entries from their Simplified msgid; returns how many were filled."""
    filled = 0
    for entry in po:
        if entry.msgid_plural and not entry.msgstr_plural.get(0):
            entry.msgstr_plural = {0: converter.convert(entry.msgid)}
            filled += 1
        elif not entry.msgid_plural and not entry.msgstr:
            entry.msgstr = converter.convert(entry.msgid)
            filled += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = converter.convert(entry.msgid) if not entry.msgid_plural else entry.msgstr
    return filled


def missing_english(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.translated()]


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--app", action="append", help="only this app (repeatable); 'project' for ./templates"
    )
    only = parser.parse_args().app
    if not only or "project" in only:
        makemessages(ROOT, ignore=APPS)
    for app in APPS:
        if (ROOT / app).is_dir() and (not only or app in only):
            makemessages(ROOT / app, ignore=[])
    for po in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/django.po")):
        if ".venv" in po.parts:
            continue
        owner = po.parts[len(ROOT.parts)] if po.parts[len(ROOT.parts)] != "locale" else "project"
        if only and owner not in only:
            continue
        catalog = polib.pofile(str(po), wrapwidth=0)
        locale = po.parts[-3]
        tidy(catalog, locale)
        if locale == "zh_Hant":
            print(f"{po.relative_to(ROOT)}: {fill_hant(catalog)} filled from Simplified Chinese")
        else:
            missing = missing_english(catalog)
            print(f"{po.relative_to(ROOT)}: {len(missing)} English strings still to write")
        catalog.save()


if __name__ == "__main__":
    main()
