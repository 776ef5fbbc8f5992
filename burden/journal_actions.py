from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "burden.task.recorded": _("登记任务"),
    "burden.task.updated": _("修改任务"),
    "burden.setting.updated": _("修改减负设置"),
    "burden.template.uploaded": _("上传上报模板"),
    "burden.template.confirmed": _("确认模板栏目对应"),
    "burden.manual.entered": _("填写登记库中没有的数据"),
    "burden.fill.requested": _("一表通填报"),
}
