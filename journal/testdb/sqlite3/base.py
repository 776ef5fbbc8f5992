from django.db.backends.sqlite3 import base
from django.db.backends.sqlite3.operations import DatabaseOperations as _Ops

from journal.db import SQLITE_TRIGGERS


class DatabaseOperations(_Ops):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if not sql or "journal_entry" not in tables:
            return sql
        guard = SQLITE_TRIGGERS["journal_entry_no_delete"].strip()
        return ["DROP TRIGGER IF EXISTS journal_entry_no_delete;", *sql, guard]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
