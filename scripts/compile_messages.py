"""Compile every .po catalog to .mo with msgfmt (GNU gettext), only where the .mo is missing or older."""

import shutil
import subprocess
import sys
from pathlib import Path

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
