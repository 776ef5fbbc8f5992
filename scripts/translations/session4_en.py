"""English for session 4's strings, applied by scripts/apply_en.py."""

EN = {
    "数据统计于 %(t)s": "Figures as of %(t)s",
}
