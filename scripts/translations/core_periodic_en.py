EN = {
    "任务": "Job",
    "上次开始": "Last started",
    "上次结束": "Last finished",
    "上次成功": "Last run succeeded",
    "上次结果": "Last result",
    "运行次数": "Runs",
    "失败次数": "Failures",
    "定时任务状态": "Periodic job state",
}
