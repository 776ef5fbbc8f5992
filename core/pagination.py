"""The API's limit/offset pagination, bounded so that no number a client sends reaches the database.

Ninja's own LimitOffsetPagination accepts any offset (and, unless configured, any limit): an offset
past 2**63 overflowed the database's integer and answered 500 (found by the API fuzz,
docs/api-fuzzing.md). Out-of-range values are now refused with 422 like any other invalid parameter.
"""

from ninja import Field, Schema
from ninja.conf import settings
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 1000  # a page; a whole list is an export's job
MAX_OFFSET = 1_000_000_000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
