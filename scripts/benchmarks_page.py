"""Assemble docs/benchmarks.md from the sections each owner keeps in docs/bench/<part>.md.

Run: python3 scripts/benchmarks_page.py   (after editing any docs/bench/*.md)
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "docs" / "bench"
# Page order: the foundation first, then the apps in the order a newcomer meets them, then operations.
ORDER = ["foundation", "ledgers", "visits", "demands", "burden", "journal", "portal", "load", "backup"]


def section(name: str) -> str:
    text = (BENCH / f"{name}.md").read_text(encoding="utf-8").strip()
    if not text.startswith("# "):
        return text
    # A part written as its own page: demote every heading one level (not comments in code blocks).
    lines, in_code = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        lines.append("#" + line if line.startswith("#") and not in_code else line)
    return "\n".join(lines)


def main() -> None:
    missing = sorted({p.stem for p in BENCH.glob("*.md")} - set(ORDER) - {"_intro"})
    if missing:
        raise SystemExit(f"docs/bench/ has parts not in ORDER: {', '.join(missing)}")
    parts = [(BENCH / "_intro.md").read_text(encoding="utf-8").strip()]
    parts += [section(name) for name in ORDER]
    parts.append(
        "(Each section is kept in `docs/bench/<part>.md` by its owner; "
        "`python3 scripts/benchmarks_page.py` assembles this page.)"
    )
    (ROOT / "docs" / "benchmarks.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
