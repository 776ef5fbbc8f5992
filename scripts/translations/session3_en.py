"""English for session 3's strings (demands: editing an authority rule), applied by scripts/apply_en.py."""

EN = {
    "修改权责规则": "Edit authority rule",
    "已保存权责规则": "Authority rule saved",
    "修改“%(name)s”的权责规则": "Edit an authority rule of “%(name)s”",
    "已经分派的诉求不受影响；保存后的新诉求按修改后的规则分派。要把规则移到别的类别，请在那个类别下添加新规则，再删除这一条。": (
        "Demands already assigned are not affected; new demands are routed by the rule as saved. To move a "
        "rule to another category, add a new rule under that category, then delete this one."
    ),
}
