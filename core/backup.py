"""Backups of a whole installation: one tar archive holding the database, the uploaded files and the journal's checkpoints.

An archive holds:
  manifest.json                       what is inside: version, migrations, vendor, counts, journal head, SHA-256 per member
  database/doorstep.pgdump            PostgreSQL: `pg_dump --format=custom` of one consistent snapshot
  database/doorstep.sqlite3           SQLite: a copy made with sqlite3's online backup API
  journal/checkpoints/<size>.txt      every signed checkpoint, so a restored journal is checked against them
  journal/public-keys.txt             the log's and witnesses' public keys the checkpoints verify with
  media/…, private/…                  MEDIA_ROOT and PRIVATE_ROOT (portal images, ledger files, demand attachments)

Field-encryption keys (DOORSTEP_FIELD_KEYS, DOORSTEP_INDEX_KEY) and the journal's private signing key are
never in an archive: whoever holds an archive alone cannot read an ID number. They must be kept
separately (docs/backup.md); restore checks them against a ciphertext sample before touching anything.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "doorstep-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PG_MEMBER = "database/doorstep.pgdump"
SQLITE_MEMBER = "database/doorstep.sqlite3"
CHECKPOINT_DIR = "journal/checkpoints"
KEYS_MEMBER = "journal/public-keys.txt"
FILE_ROOTS = {"media": "MEDIA_ROOT", "private": "PRIVATE_ROOT"}

# The tables whose row counts a restore must reproduce exactly.
COUNTED = [
    "territory.AdminUnit",
    "territory.Staff",
    "registry.Household",
    "registry.Person",
    "visits.Visit",
    "demands.Demand",
    "demands.Attachment",
    "burden.Task",
    "journal.Entry",
    "journal.Checkpoint",
    "journal.Encounter",
    "wagtailcore.Page",
]
# A sample ciphertext lets restore prove the configured keys still read this archive's personal data.
KEY_SAMPLE_CONTEXT = "person.id_number"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    sha256: str
    size: int


@dataclass
class RestoreReport:
    manifest: dict
    files_written: int = 0
    files_unchanged: int = 0
    journal_entries: int = 0
    journal_checkpoints: int = 0
    counts: dict = field(default_factory=dict)  # label -> (in the archive, after restore)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _default():
    """The default connection's wrapper itself (not the proxy), so its class can open a second session."""
    return connections[DEFAULT_DB_ALIAS]


def doorstep_version() -> str:
    try:
        return metadata.version("doorstep")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _counted_tables() -> dict[str, str]:
    return {label: apps.get_model(label)._meta.db_table for label in COUNTED}


# --- PostgreSQL tools ---------------------------------------------------------------------------


def pg_tool(name: str, server_major: int) -> str:
    """The pg_dump/pg_restore matching the server: DOORSTEP_PG_BIN_DIR, then Debian's versioned dir, then PATH.

    Debian's /usr/bin/pg_dump is a wrapper that may pick another installed version; a dump taken
    with an older pg_dump than the server is refused by pg_dump itself, so the versioned path wins.
    """
    candidates = []
    if os.environ.get("DOORSTEP_PG_BIN_DIR"):
        candidates.append(Path(os.environ["DOORSTEP_PG_BIN_DIR"]) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin") / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} not found: install postgresql-client-{server_major} or set DOORSTEP_PG_BIN_DIR"
        )
    return found


def _pg_env(settings_dict: dict) -> dict:
    env = dict(os.environ)
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({k: str(v) for k, v in pairs.items() if v})
    return env


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tool, no shell
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


# --- Reading the state that goes into the manifest ---------------------------------------------


def _snapshot_facts(cursor, quote) -> dict:
    """Counts, migrations, journal head and checkpoints, read through one cursor (one snapshot)."""
    counts = {}
    for label, table in _counted_tables().items():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - table names from the models
        counts[label] = cursor.fetchone()[0]
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = [list(row) for row in cursor.fetchall()]
    cursor.execute("SELECT seq, entry_hash FROM journal_entry ORDER BY seq DESC LIMIT 1")
    head = cursor.fetchone()
    cursor.execute(
        "SELECT tree_size, root_hash, key_name, key_id, note FROM journal_checkpoint ORDER BY tree_size"
    )
    checkpoints = [
        {"tree_size": r[0], "root_hash": r[1], "key_name": r[2], "key_id": r[3], "note": r[4]}
        for r in cursor.fetchall()
    ]
    cursor.execute(
        "SELECT id_cipher, id_index FROM registry_person WHERE id_cipher <> '' ORDER BY id LIMIT 1"
    )
    sample = cursor.fetchone()
    return {
        "counts": counts,
        "migrations": migrations,
        "head": {"seq": head[0], "entry_hash": head[1]} if head else None,
        "checkpoints": checkpoints,
        "key_sample": (
            {"context": KEY_SAMPLE_CONTEXT, "cipher": sample[0], "index": sample[1]} if sample else None
        ),
    }


def _dump_postgresql(target: Path, conn) -> dict:
    """pg_dump from an exported snapshot, with the counts read in that same snapshot: they agree exactly."""
    settings_dict = dict(conn.settings_dict)
    snap = type(conn)(settings_dict, alias="doorstep_backup_snapshot")
    try:
        snap.set_autocommit(False)
        with snap.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version_num')")
            snapshot, version_num = cursor.fetchone()
            major = int(version_num) // 10000
            tool = pg_tool("pg_dump", major)
            _run(
                [
                    tool,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={target}",
                    settings_dict["NAME"],
                ],
                _pg_env(settings_dict),
            )
            facts = _snapshot_facts(cursor, snap.ops.quote_name)
        snap.rollback()
    finally:
        snap.close()
    facts["database"] = {"vendor": "postgresql", "member": PG_MEMBER, "server_major": major}
    return facts


def _dump_sqlite(target: Path, conn) -> dict:
    """sqlite3's online backup API: a page-consistent copy even while others write."""
    conn.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        conn.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        cursor = copy.cursor()
        facts = _snapshot_facts(cursor, conn.ops.quote_name)
        cursor.close()
    finally:
        copy.close()
    facts["database"] = {
        "vendor": "sqlite",
        "member": SQLITE_MEMBER,
        "sqlite_version": sqlite3.sqlite_version,
    }
    return facts


def _public_keys_text() -> str:
    from journal import signing

    lines = [f"# Public keys for checkpoints of {signing.origin()} (no private key is ever in a backup)"]
    lines += [f"log {k.vkey}" for k in signing.log_verifiers()]
    lines += [f"witness {k.vkey}" for k in signing.witness_verifiers()]
    return "\n".join(lines) + "\n"


def _file_members(root_setting: str, prefix: str):
    root = Path(getattr(settings, root_setting))
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield f"{prefix}/{path.relative_to(root).as_posix()}", path


class _HashingReader(io.RawIOBase):
    def __init__(self, fh):
        self.fh, self.digest, self.size = fh, hashlib.sha256(), 0

    def read(self, n=-1):
        data = self.fh.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> dict:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), mtime, 0o600
    tar.addfile(info, io.BytesIO(data))
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict:
    stat = path.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = stat.st_size, stat.st_mtime, 0o600
    with path.open("rb") as fh:
        reader = _HashingReader(fh)
        tar.addfile(info, reader)
    if reader.size != stat.st_size:
        raise BackupError(f"{path} changed while it was being archived; run the backup again")
    return {"sha256": reader.digest.hexdigest(), "size": reader.size}


def _sign_checkpoint_now(warnings: list[str]) -> None:
    from journal.models import Entry
    from journal.services import ChainBroken, checkpoint_create

    if not Entry.objects.exists():
        return
    try:
        checkpoint_create()
    except ImproperlyConfigured as exc:
        warnings.append(f"no checkpoint signed before the backup ({exc})")
    except ChainBroken as exc:
        raise BackupError(f"the journal does not verify, refusing to back it up silently: {exc}") from exc


def backup_create(*, output_dir: Path, actor=None, checkpoint: bool = True) -> BackupResult:
    """Write one archive of the database, files and checkpoints into output_dir; journaled with its SHA-256.

    A checkpoint is signed first (when a signing key is configured), so the archive carries a signed
    statement of its own journal head.
    """
    from journal import services as journal_services

    conn = _default()
    if conn.vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"backups support PostgreSQL and SQLite, not {conn.vendor}")
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    warnings: list[str] = []
    if checkpoint:
        _sign_checkpoint_now(warnings)
    created = timezone.now()
    stamp = created.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = output_dir / f"doorstep-{stamp}.tar"
    members: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as staging:
        staging = Path(staging)
        if conn.vendor == "postgresql":
            db_file = staging / "doorstep.pgdump"
            facts = _dump_postgresql(db_file, conn)
        else:
            db_file = staging / "doorstep.sqlite3"
            facts = _dump_sqlite(db_file, conn)
        partial = staging / "archive.tar"
        mtime = created.timestamp()
        files = dict.fromkeys(FILE_ROOTS, 0)
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            members[facts["database"]["member"]] = _add_file(tar, facts["database"]["member"], db_file)
            for cp in facts["checkpoints"]:
                name = f"{CHECKPOINT_DIR}/{cp['tree_size']:012d}.txt"
                members[name] = _add_bytes(tar, name, cp["note"].encode(), mtime)
            members[KEYS_MEMBER] = _add_bytes(tar, KEYS_MEMBER, _public_keys_text().encode(), mtime)
            for prefix, setting in FILE_ROOTS.items():
                for name, path in _file_members(setting, prefix):
                    members[name] = _add_file(tar, name, path)
                    files[prefix] += 1
            latest = facts["checkpoints"][-1] if facts["checkpoints"] else None
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "doorstep_version": doorstep_version(),
                "created_at": created.astimezone(UTC).isoformat(),
                "database": facts["database"],
                "migrations": facts["migrations"],
                "counts": facts["counts"],
                "journal": {
                    "origin": settings.JOURNAL_ORIGIN,
                    "head": facts["head"],
                    "latest_checkpoint": (
                        {k: latest[k] for k in ("tree_size", "root_hash", "key_name", "key_id")}
                        if latest
                        else None
                    ),
                    "checkpoints": len(facts["checkpoints"]),
                },
                "key_check": facts["key_sample"],
                "files": files,
                "warnings": warnings,
                "members": members,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode(), mtime)
        partial.chmod(0o600)  # names and ciphertexts of a whole county: readable by the backup's owner only
        os.replace(partial, final)
    digest = sha256_file(final)
    size = final.stat().st_size
    (output_dir / f"{final.name}.sha256").write_text(f"{digest}  {final.name}\n", encoding="utf-8")
    journal_services.entry_record(
        actor=actor,
        action="core.backup.created",
        target=("core.backup", final.name),
        data={
            "archive": final.name,
            "sha256": digest,
            "size": size,
            "vendor": conn.vendor,
            "journal_head": facts["head"]["seq"] if facts["head"] else 0,
            "counts": facts["counts"],
        },
    )
    return BackupResult(path=final, manifest=manifest, sha256=digest, size=size)


# --- Restore ----------------------------------------------------------------------------------


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        raw = tar.extractfile(tar.getmember(MANIFEST))
    except KeyError as exc:
        raise BackupError("not a Doorstep backup: the archive has no manifest.json") from exc
    try:
        manifest = json.loads(raw.read())
    except ValueError as exc:
        raise BackupError("the archive's manifest.json is not valid JSON: the archive is damaged") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError("not a Doorstep backup: manifest.json has another format")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"backup format {manifest.get('format_version')} is not supported by this Doorstep")
    return manifest


def archive_verify(path: Path) -> dict:
    """Check every member against the manifest's SHA-256 and size; anything extra, missing or altered is refused."""
    try:
        tar = tarfile.open(path, "r:")  # noqa: SIM115 - closed below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from exc
    with tar:
        manifest = read_manifest(tar)
        expected = dict(manifest.get("members") or {})
        seen = set()
        for info in tar:
            if info.name == MANIFEST:
                continue
            if not info.isfile() or not _safe_member_name(info.name):
                raise BackupError(f"archive refused: unexpected member {info.name!r}")
            if info.name not in expected:
                raise BackupError(f"archive refused: {info.name} is not listed in the manifest (tampered?)")
            if info.name in seen:
                raise BackupError(f"archive refused: {info.name} appears twice (tampered?)")
            seen.add(info.name)
            digest = hashlib.sha256()
            fh = tar.extractfile(info)
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(chunk)
            want = expected[info.name]
            if digest.hexdigest() != want.get("sha256") or info.size != want.get("size"):
                raise BackupError(
                    f"archive refused: {info.name} does not match its SHA-256 in the manifest "
                    "(damaged or tampered); use another copy of the backup"
                )
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(
                f"archive refused: {len(missing)} members listed in the manifest are missing, e.g. {missing[0]}"
            )
        if manifest["database"]["member"] not in seen:
            raise BackupError("archive refused: it holds no database")
    return manifest


def _check_keys(manifest: dict) -> str | None:
    """None when DOORSTEP_FIELD_KEYS and DOORSTEP_INDEX_KEY read the archive's sample, else why not."""
    from cryptography.exceptions import InvalidTag

    from core import crypto
    from registry.services import id_index

    sample = manifest.get("key_check")
    if not sample:
        return None
    try:
        plain = crypto.decrypt(sample["cipher"], context=sample["context"])
    except (ImproperlyConfigured, InvalidTag, ValueError) as exc:
        return (
            "the configured DOORSTEP_FIELD_KEYS do not decrypt this backup's personal data "
            f"({exc.__class__.__name__}: {exc}); set the keys that were in use when it was made"
        )
    try:
        index = id_index(plain)
    except ImproperlyConfigured as exc:
        return f"DOORSTEP_INDEX_KEY: {exc}"
    if index != sample["index"]:
        return (
            "the configured DOORSTEP_INDEX_KEY differs from the one this backup's search index was built with"
        )
    return None


def _check_migrations(manifest: dict) -> tuple[list[str], list[str]]:
    """(unknown to this code, not yet applied in the archive): the first refuses, the second means migrate."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    on_disk = {f"{app}.{name}" for app, name in loader.disk_migrations}
    in_archive = {f"{app}.{name}" for app, name in manifest.get("migrations", [])}
    ours = {app.label for app in apps.get_app_configs()}
    unknown = sorted(m for m in in_archive - on_disk if m.split(".", 1)[0] in ours)
    return unknown, sorted(on_disk - in_archive)


def database_is_empty(conn=None) -> bool:
    conn = conn or _default()
    return not conn.introspection.table_names()


def _clear_postgresql(conn) -> None:
    with conn.cursor() as cursor:
        for table in conn.introspection.table_names():
            cursor.execute(f"DROP TABLE IF EXISTS {conn.ops.quote_name(table)} CASCADE")


def _restore_postgresql(dump: Path, conn) -> None:
    settings_dict = dict(conn.settings_dict)
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')")
        major = int(cursor.fetchone()[0]) // 10000
    conn.close()  # pg_restore needs the tables without our session holding anything
    _run(
        [
            pg_tool("pg_restore", major),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={settings_dict['NAME']}",
            str(dump),
        ],
        _pg_env(settings_dict),
    )


def _restore_sqlite(copy: Path, conn) -> None:
    conn.ensure_connection()
    source = sqlite3.connect(copy)
    try:
        source.backup(conn.connection)
    finally:
        source.close()
    conn.close()


def _write_files(tar: tarfile.TarFile, manifest: dict, report: RestoreReport, force: bool) -> None:
    """Put media/ and private/ back; identical files are left alone, a different one is refused without force."""
    plan = []
    for name, want in manifest["members"].items():
        prefix, _, rest = name.partition("/")
        if prefix not in FILE_ROOTS:
            continue
        root = Path(getattr(settings, FILE_ROOTS[prefix]))
        target = root.joinpath(*PurePosixPath(rest).parts)
        if target.exists():
            if sha256_file(target) == want["sha256"]:
                report.files_unchanged += 1
                continue
            if not force:
                raise BackupError(
                    f"{target} exists with other content; restore with --force to overwrite files"
                )
        plan.append((name, target, want))
    for name, target, want in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restoring")
        digest = hashlib.sha256()
        with tar.extractfile(name) as src, partial.open("wb") as out:
            for chunk in iter(lambda src=src: src.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != want["sha256"]:
            partial.unlink()
            raise BackupError(f"{name} changed after it was verified; the archive is being modified")
        os.replace(partial, target)
        report.files_written += 1


def _verify_after(manifest: dict, tar: tarfile.TarFile, report: RestoreReport) -> None:
    from journal.db import missing_guards
    from journal.verification import verify_journal

    conn = _default()
    missing = missing_guards(conn)
    if missing:
        report.problems.append(f"journal append-only triggers missing after restore: {', '.join(missing)}")
    archived = [
        tar.extractfile(name).read().decode()
        for name in sorted(manifest["members"])
        if name.startswith(f"{CHECKPOINT_DIR}/")
    ]
    outcome = verify_journal(archived)
    report.journal_entries, report.journal_checkpoints = outcome.entries, outcome.checkpoints
    for problem in outcome.problems:
        report.problems.append(f"journal: {problem}")
    if any(p.kind == "forged_checkpoint" for p in outcome.problems):
        report.warnings.append(
            f"checkpoints are checked with the configured log keys; the archive's {KEYS_MEMBER} lists the keys "
            "they were signed with (DOORSTEP_JOURNAL_VERIFIER_KEYS)"
        )
    head = manifest["journal"].get("head")
    if head:
        from journal.models import Entry

        stored = Entry.objects.filter(seq=head["seq"]).values_list("entry_hash", flat=True).first()
        if stored != head["entry_hash"]:
            report.problems.append(f"journal head #{head['seq']} differs from the manifest's")
    with conn.cursor() as cursor:
        for label, table in _counted_tables().items():
            cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(table)}")  # noqa: S608 - model tables
            now = cursor.fetchone()[0]
            then = manifest["counts"].get(label)
            report.counts[label] = (then, now)
            if then is not None and then != now:
                report.problems.append(f"{label}: {now} rows after restore, {then} in the archive")


def restore_archive(*, path: Path, actor=None, force: bool = False) -> RestoreReport:
    """Verify the archive, restore the database and files, then prove it: journal verifies and counts match.

    Refuses a tampered archive, another database vendor, migrations this code does not know, field keys
    that do not decrypt the archive's sample, and (without force) a database that already has tables.
    The restore is journaled in the restored journal only when every check passed.
    """
    from journal import services as journal_services

    path = Path(path)
    manifest = archive_verify(path)
    report = RestoreReport(manifest=manifest)
    conn = _default()
    vendor = manifest["database"]["vendor"]
    if vendor != conn.vendor:
        raise BackupError(
            f"the backup holds a {vendor} database but the configured database is {conn.vendor}; "
            "set DATABASE_URL to a database of the same kind"
        )
    unknown, pending = _check_migrations(manifest)
    if unknown:
        raise BackupError(
            f"the backup was made by a newer Doorstep (migrations {', '.join(unknown[:3])} …); "
            "install that version, restore, then upgrade"
        )
    if pending:
        report.warnings.append(
            f"{len(pending)} migrations of this code are newer than the backup: run manage.py migrate after restore"
        )
    key_problem = _check_keys(manifest)
    if key_problem:
        if not force:
            raise BackupError(key_problem + " (--force restores anyway; personal data will be unreadable)")
        report.problems.append(key_problem)
    if not database_is_empty(conn) and not force:
        raise BackupError(
            f"the configured database {conn.settings_dict['NAME']} is not empty; "
            "restore into a new database, or pass --force to replace everything in it"
        )
    with tarfile.open(path, "r:") as tar, tempfile.TemporaryDirectory(prefix="doorstep-restore-") as work:
        member = manifest["database"]["member"]
        db_file = Path(work) / PurePosixPath(member).name
        with tar.extractfile(member) as src, db_file.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        if sha256_file(db_file) != manifest["members"][member]["sha256"]:
            raise BackupError(f"{member} changed after it was verified; the archive is being modified")
        if vendor == "postgresql":
            if force:
                _clear_postgresql(conn)
            _restore_postgresql(db_file, conn)
        else:
            _restore_sqlite(db_file, conn)
        _write_files(tar, manifest, report, force)
        _verify_after(manifest, tar, report)
    if report.ok:
        journal_services.entry_record(
            actor=actor,
            action="core.backup.restored",
            target=("core.backup", path.name),
            data={
                "archive": path.name,
                "sha256": sha256_file(path),
                "created_at": manifest["created_at"],
                "journal_head": (manifest["journal"].get("head") or {}).get("seq", 0),
                "files": report.files_written + report.files_unchanged,
            },
        )
    return report
