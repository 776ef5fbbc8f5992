"""Database-level guards on the journal table: appends only, in sequence, linked to the chain.

The one UPDATE allowed is a redaction: erasing `data` (to {}) and setting redacted_at, every hashed
column unchanged, and only once a later `journal.entry.redacted` entry names that entry.

Installed by migration 0002_chain_and_guards on SQLite and PostgreSQL. They stop the application,
an administrator in the Django admin, and anybody with ordinary SQL access from editing or removing
entries silently. A database superuser can drop them: that is why checkpoints are signed with a
key kept outside the database and countersigned by a witness (see docs/fair-record.md).
"""

GENESIS = "0" * 64

SQLITE_TRIGGERS = {
    "journal_entry_no_update": """
CREATE TRIGGER journal_entry_no_update BEFORE UPDATE ON journal_entry
WHEN NOT (
  OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND NEW.data = '{}'
  AND NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.created_at = OLD.created_at
  AND NEW.actor_id IS OLD.actor_id AND NEW.actor_label = OLD.actor_label AND NEW.action = OLD.action
  AND NEW.target_type = OLD.target_type AND NEW.target_id = OLD.target_id AND NEW.target_label = OLD.target_label
  AND NEW.data_hash = OLD.data_hash AND NEW.prev_hash = OLD.prev_hash AND NEW.entry_hash = OLD.entry_hash
  AND OLD.action != 'journal.entry.redacted'
  AND EXISTS (SELECT 1 FROM journal_entry r WHERE r.action = 'journal.entry.redacted'
              AND r.target_type = 'journal.entry' AND r.target_id = CAST(OLD.seq AS TEXT) AND r.seq > OLD.seq)
)
BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: UPDATE refused'); END;
""",
    "journal_entry_no_delete": """
CREATE TRIGGER journal_entry_no_delete BEFORE DELETE ON journal_entry
BEGIN SELECT RAISE(ABORT, 'journal entries are append-only: DELETE refused'); END;
""",
    "journal_entry_append_in_sequence": """
CREATE TRIGGER journal_entry_append_in_sequence BEFORE INSERT ON journal_entry
WHEN NEW.seq != COALESCE((SELECT MAX(seq) FROM journal_entry), 0) + 1
  OR NEW.prev_hash != COALESCE((SELECT entry_hash FROM journal_entry ORDER BY seq DESC LIMIT 1), '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN SELECT RAISE(ABORT, 'journal entries are appended in sequence to the chain'); END;
""",
}

POSTGRES_INSTALL = """
CREATE OR REPLACE FUNCTION journal_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'journal entries are append-only: % refused', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE OR REPLACE FUNCTION journal_entry_check_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The one permitted change: erasing `data` of an entry whose redaction is already journaled.
  IF OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND NEW.data = '{}'::jsonb
     AND (NEW.id, NEW.seq, NEW.created_at, NEW.actor_label, NEW.action, NEW.target_type, NEW.target_id,
          NEW.target_label, NEW.data_hash, NEW.prev_hash, NEW.entry_hash)
       = (OLD.id, OLD.seq, OLD.created_at, OLD.actor_label, OLD.action, OLD.target_type, OLD.target_id,
          OLD.target_label, OLD.data_hash, OLD.prev_hash, OLD.entry_hash)
     AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
     AND OLD.action <> 'journal.entry.redacted'
     AND EXISTS (SELECT 1 FROM journal_entry r WHERE r.action = 'journal.entry.redacted'
                 AND r.target_type = 'journal.entry' AND r.target_id = OLD.seq::text AND r.seq > OLD.seq) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'journal entries are append-only: UPDATE refused' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE OR REPLACE FUNCTION journal_entry_check_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE last_seq bigint; last_hash varchar;
BEGIN
  SELECT seq, entry_hash INTO last_seq, last_hash FROM journal_entry ORDER BY seq DESC LIMIT 1;
  IF NEW.seq <> COALESCE(last_seq, 0) + 1 OR NEW.prev_hash <> COALESCE(last_hash, '0000000000000000000000000000000000000000000000000000000000000000') THEN
    RAISE EXCEPTION 'journal entries are appended in sequence to the chain' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER journal_entry_no_update BEFORE UPDATE ON journal_entry
  FOR EACH ROW EXECUTE FUNCTION journal_entry_check_update();
CREATE TRIGGER journal_entry_no_delete BEFORE DELETE ON journal_entry
  FOR EACH ROW EXECUTE FUNCTION journal_entry_refuse_change();
CREATE TRIGGER journal_entry_no_truncate BEFORE TRUNCATE ON journal_entry
  FOR EACH STATEMENT EXECUTE FUNCTION journal_entry_refuse_change();
CREATE TRIGGER journal_entry_append_in_sequence BEFORE INSERT ON journal_entry
  FOR EACH ROW EXECUTE FUNCTION journal_entry_check_append();
"""

POSTGRES_UNINSTALL = """
DROP TRIGGER IF EXISTS journal_entry_no_update ON journal_entry;
DROP TRIGGER IF EXISTS journal_entry_no_delete ON journal_entry;
DROP TRIGGER IF EXISTS journal_entry_no_truncate ON journal_entry;
DROP TRIGGER IF EXISTS journal_entry_append_in_sequence ON journal_entry;
DROP FUNCTION IF EXISTS journal_entry_refuse_change();
DROP FUNCTION IF EXISTS journal_entry_check_append();
DROP FUNCTION IF EXISTS journal_entry_check_update();
"""


def install_guards(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in SQLITE_TRIGGERS.values():
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            cursor.execute(POSTGRES_INSTALL)


def remove_guards(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            cursor.execute(POSTGRES_UNINSTALL)


def missing_guards(connection) -> list[str]:
    """Guard triggers that are not installed (e.g. a later SQLite table rebuild dropped them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal_entry'"
            )
            expected = set(SQLITE_TRIGGERS)
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'journal_entry'::regclass AND NOT tgisinternal"
            )
            expected = {
                "journal_entry_no_update",
                "journal_entry_no_truncate",
                "journal_entry_append_in_sequence",
            }
        else:
            return []
        present = {row[0] for row in cursor.fetchall()}
    return sorted(expected - present)


def ensure_guards(connection) -> bool:
    """Reinstall the guards if any is missing; True when something had to be installed."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return False
    if "journal_entry" not in connection.introspection.table_names():
        return False
    if not missing_guards(connection):
        return False
    remove_guards(connection)
    install_guards(connection)
    return True
