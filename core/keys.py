"""Local key file for development and the demo: generated once, kept out of git, never in the database."""

import base64
import secrets
from pathlib import Path

KEY_NAMES = ("DOORSTEP_SECRET_KEY", "DOORSTEP_FIELD_KEYS", "DOORSTEP_INDEX_KEY")


def generate_keys() -> dict[str, str]:
    return {
        "DOORSTEP_SECRET_KEY": secrets.token_urlsafe(50),
        "DOORSTEP_FIELD_KEYS": "v1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "DOORSTEP_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def load_local_keys(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines from path, creating the file with fresh keys the first time."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = generate_keys()
        path.write_text("".join(f"{k}={v}\n" for k, v in keys.items()), encoding="utf-8")
        path.chmod(0o600)
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    missing = [k for k in KEY_NAMES if not values.get(k)]
    if missing:
        raise RuntimeError(
            f"{path} lacks {', '.join(missing)}; delete it to regenerate (data encrypted with it is lost)."
        )
    return values
