"""The one upload size limit (DOORSTEP_MAX_UPLOAD_MB): every form, API route and command checks it the same way.

A feature may have a smaller limit of its own (a demand's photo, a report template); the deployment's
limit still caps it. nginx's `client_max_body_size` should be a little above this limit, so a file just
over it gets this clear message from Django and only an absurd body is cut off at the edge with a 413.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024


def limit_mb(cap_mb: int | None = None) -> int:
    """The limit in whole megabytes: the deployment's, or the feature's own if that is smaller."""
    limit = int(settings.DOORSTEP_MAX_UPLOAD_MB)
    return min(limit, cap_mb) if cap_mb else limit


def too_large_message(size: int, *, cap_mb: int | None = None) -> str:
    return _("文件有%(size)sMB，超过了%(limit)sMB的上限，没有保存。请压缩或拆分成较小的文件后重新上传。") % {
        "size": f"{size / MB:.1f}",
        "limit": limit_mb(cap_mb),
    }


def check_size(size: int, *, cap_mb: int | None = None) -> None:
    """Refuse a file over the limit before anything is stored; the message names the limit."""
    if size > limit_mb(cap_mb) * MB:
        raise ValidationError(too_large_message(size, cap_mb=cap_mb), code="file_too_large")


def size_validator(cap_mb: int | None = None):
    """A form field validator: `forms.FileField(validators=[size_validator()])`."""

    def validate(upload) -> None:
        check_size(upload.size, cap_mb=cap_mb)

    return validate
