from django.db.backends.postgresql import base
from django.db.backends.postgresql.operations import DatabaseOperations as _Ops


class DatabaseOperations(_Ops):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if not sql or "journal_entry" not in tables:
            return sql
        return [
            "ALTER TABLE journal_entry DISABLE TRIGGER journal_entry_no_truncate;",
            *sql,
            "ALTER TABLE journal_entry ENABLE TRIGGER journal_entry_no_truncate;",
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
