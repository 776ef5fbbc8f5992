"""English for the upload size limit and lost background tasks (core), applied by scripts/apply_en.py."""

EN = {
    "处理这项工作的后台进程在运行中停止了（被终止或崩溃），这次运行没有完成，已做的改动都已撤销。可以重新运行。": (
        "The background process handling this stopped while it was running (it was killed or crashed). "
        "This run did not finish and anything it had changed was undone. You can run it again."
    ),
    "主机": "Host",
    "开始时间": "Started",
    "最近心跳": "Last heartbeat",
    "后台任务心跳": "Background task heartbeat",
    "文件有%(size)sMB，超过了%(limit)sMB的上限，没有保存。请压缩或拆分成较小的文件后重新上传。": (
        "The file is %(size)s MB, over the %(limit)s MB limit, and was not saved. "
        "Compress it or split it into smaller files and upload again."
    ),
}
