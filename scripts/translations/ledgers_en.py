"""English for the ledger import's household, tag and 人口数 strings, applied by scripts/apply_en.py."""

EN = {
    "户居住情况“%(value)s”无法识别，请填常住、外出或空置。": (
        "Household occupancy “%(value)s” is not recognised: write 常住 (living here), 外出 (away) or 空置 (vacant)."
    ),
    "“%(value)s”无法识别：这一列只填“是”或“否”（也可以用√、1、Y表示是，留空表示否）。": (
        "“%(value)s” is not recognised: this column takes only 是 (yes) or 否 (no); √, 1 or Y also mean yes, "
        "and a blank cell means no."
    ),
    "户居住情况": "Household occupancy",
    "类别（可填多个标签）": "Category (several tags allowed)",
    "（本县还没有建任何标签）": "(this county has no tags yet)",
    "（没有网格）": "(no grids)",
    "“%(value)s”不是已有的标签（已有：%(known)s）：请改成其中之一，或先在标签管理里新建。": (
        "“%(value)s” is not an existing tag (existing: %(known)s): change it to one of them, or create the tag "
        "first under tag management."
    ),
    "“%(value)s”不是%(village)s的网格（有：%(grids)s）：请核对网格名称。": (
        "“%(value)s” is not a grid of %(village)s (its grids: %(grids)s): check the grid's name."
    ),
    "导入到“%(grid)s”时只能填本网格：这一行写的是“%(value)s”，请改导入到村。": (
        "An import into “%(grid)s” can only name that grid; this row says “%(value)s”: import into the village "
        "instead."
    ),
    "%(head)s户：人口数“%(value)s”不是一个数字，没有核对。": (
        "Household of %(head)s: the household size “%(value)s” is not a number, so it was not checked."
    ),
    "%(head)s户：人口数填的是%(declared)s人，本表列出%(listed)s人，导入后登记在册%(counted)s人，请核对。": (
        "Household of %(head)s: the household size says %(declared)s, this file lists %(listed)s, and after the "
        "import the registry holds %(counted)s. Please check."
    ),
    "标签：%(name)s": "Tag: %(name)s",
    "人口数需要核对的户（已照常导入）": "Households whose size needs checking (imported as usual)",
    "本单位还没有导入过这种格式，已按“%(unit)s”确认过的对应关系填好，请核对。": (
        "This office has not imported this layout before; the columns were filled in from the mapping "
        "“%(unit)s” confirmed. Please check them."
    ),
    "将更新的人员和户": "People and households to be updated",
    "人口数需要核对的户（照常导入）": "Households whose size needs checking (they are imported as usual)",
    "户标签": "Household tags",
}
