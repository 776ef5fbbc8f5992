"""English for the backup strings (core), applied by scripts/apply_en.py."""

EN = {
    "创建了备份": "Created a backup",
    "从备份恢复了数据": "Restored the data from a backup",
    "导出了去标识化的分析数据": "Exported de-identified data for analysis",
}
