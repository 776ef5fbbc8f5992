"""The checkpoint signing key and the keyring of public keys, read from files or the environment, never the database.

Settings:
  JOURNAL_ORIGIN              the log's name, first line of every checkpoint
  DOORSTEP_JOURNAL_KEY        the current signer key ("PRIVATE+KEY+name+id+base64"), or
  JOURNAL_SIGNING_KEY_FILE    a file holding it (created on first use when JOURNAL_SIGNING_KEY_AUTOCREATE)
  JOURNAL_VERIFIER_KEYS       older log public keys (after a rotation), so old checkpoints still verify
  JOURNAL_WITNESS_KEYS        public keys of witnesses (e.g. the county) whose countersignatures count
"""

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from doorstep_verify.note import NoteSigner, NoteVerifier


def origin() -> str:
    return settings.JOURNAL_ORIGIN


def write_key_file(path: Path, signer: NoteSigner) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(signer.skey + "\n", encoding="utf-8")
    path.chmod(0o600)


@lru_cache(maxsize=8)
def _signer_from(skey: str) -> NoteSigner:
    return NoteSigner(skey)


def log_signer() -> NoteSigner:
    skey = getattr(settings, "DOORSTEP_JOURNAL_KEY", "") or ""
    if not skey:
        key_file = getattr(settings, "JOURNAL_SIGNING_KEY_FILE", None)
        if not key_file:
            raise ImproperlyConfigured(
                "No journal signing key: set DOORSTEP_JOURNAL_KEY or JOURNAL_SIGNING_KEY_FILE"
            )
        path = Path(key_file)
        if not path.exists():
            if not getattr(settings, "JOURNAL_SIGNING_KEY_AUTOCREATE", False):
                raise ImproperlyConfigured(f"Journal signing key file {path} does not exist")
            write_key_file(path, NoteSigner.generate(origin()))
        skey = path.read_text(encoding="utf-8").strip()
    return _signer_from(skey)


def _split_keys(value) -> list[str]:
    if isinstance(value, str):
        return [k for k in value.replace(",", " ").split() if k]
    return [k for k in (value or []) if k]


def log_verifiers() -> list[NoteVerifier]:
    """The current key's public half plus every older key: rotation never orphans a checkpoint."""
    keys = [NoteVerifier(k) for k in _split_keys(getattr(settings, "JOURNAL_VERIFIER_KEYS", []))]
    try:
        current = log_signer().verifier
    except ImproperlyConfigured:
        return keys
    if all(k.vkey != current.vkey for k in keys):
        keys.insert(0, current)
    return keys


def witness_verifiers() -> list[NoteVerifier]:
    return [NoteVerifier(k) for k in _split_keys(getattr(settings, "JOURNAL_WITNESS_KEYS", []))]
