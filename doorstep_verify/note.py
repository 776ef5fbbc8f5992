"""Signed notes and checkpoints in the style of C2SP signed-note / tlog-checkpoint, with Ed25519.

A checkpoint body is three lines: origin, tree size (decimal), base64 root hash. The signed note is
the body, a blank line, then one line per signature: "— <key name> <base64(key id ‖ signature)>".
A key id is the first 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key). Verifier keys are
written "<name>+<key id hex>+<base64(0x01 ‖ public key)>"; signer keys "PRIVATE+KEY+<name>+<id>+<base64(0x01 ‖ seed)>".
"""

import base64
import hashlib
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
SIG_PREFIX = "— "


class NoteError(ValueError):
    pass


def key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return struct.unpack(">I", digest[:4])[0]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"invalid key name {name!r}")


class NoteVerifier:
    """One public key: verifies its own signature lines on a note."""

    def __init__(self, vkey: str):
        try:
            name, hexid, b64 = vkey.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError(f"malformed verifier key {vkey!r}") from exc
        _check_name(name)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("only Ed25519 verifier keys are supported")
        self.name, self.public_key = name, raw[1:]
        self.key_id = key_id(name, self.public_key)
        if f"{self.key_id:08x}" != hexid.lower():
            raise NoteError(f"verifier key {name} has a wrong key id")
        self._key = Ed25519PublicKey.from_public_bytes(self.public_key)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


class NoteSigner:
    """One private key (kept outside the database) that signs notes under its name."""

    def __init__(self, skey: str):
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("malformed signer key")
        name, hexid, b64 = parts[2:]
        _check_name(name)
        raw = base64.b64decode(b64, validate=True)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("only Ed25519 signer keys are supported")
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(raw[1:])
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, self.public_key)
        if f"{self.key_id:08x}" != hexid.lower():
            raise NoteError(f"signer key {name} has a wrong key id")

    @classmethod
    def generate(cls, name: str) -> "NoteSigner":
        _check_name(name)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        public = (
            Ed25519PrivateKey.from_private_bytes(seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        kid = key_id(name, public)
        return cls(f"PRIVATE+KEY+{name}+{kid:08x}+{base64.b64encode(bytes([ALG_ED25519]) + seed).decode()}")

    @property
    def skey(self) -> str:
        seed = self._key.private_bytes_raw()
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{base64.b64encode(bytes([ALG_ED25519]) + seed).decode()}"

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(
            f"{self.name}+{self.key_id:08x}+{base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()}"
        )

    def signature_line(self, text: str) -> str:
        sig = self._key.sign(text.encode())
        return f"{SIG_PREFIX}{self.name} {base64.b64encode(struct.pack('>I', self.key_id) + sig).decode()}\n"


@dataclass
class SignedNote:
    text: str
    signatures: list[tuple[str, int, bytes]] = field(default_factory=list)  # (name, key id, signature)

    def verified_by(self, verifiers: list[NoteVerifier]) -> list[NoteVerifier]:
        """The given keys that have a valid signature on this note."""
        good = []
        for name, kid, sig in self.signatures:
            for v in verifiers:
                if v.name == name and v.key_id == kid and v.verify(self.text.encode(), sig):
                    good.append(v)
        return good


def sign_note(text: str, signer: NoteSigner) -> str:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    return text + "\n" + signer.signature_line(text)


def add_signature(note: str, signer: NoteSigner) -> str:
    """Countersign an existing signed note (a witness adds its line)."""
    parsed = parse_note(note)
    return note + signer.signature_line(parsed.text)


def parse_note(note: str) -> SignedNote:
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("not a signed note")
    parsed = SignedNote(text + "\n")
    for line in sigs[:-1].split("\n"):
        if not line.startswith(SIG_PREFIX):
            raise NoteError(f"malformed signature line {line!r}")
        try:
            name, b64 = line[len(SIG_PREFIX) :].split(" ")
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError(f"malformed signature line {line!r}") from exc
        if len(raw) < 5:
            raise NoteError("signature too short")
        parsed.signatures.append((name, struct.unpack(">I", raw[:4])[0], raw[4:]))
    if not parsed.signatures:
        raise NoteError("a signed note needs at least one signature")
    return parsed


@dataclass
class Checkpoint:
    origin: str
    size: int
    root: bytes
    note: SignedNote

    @staticmethod
    def body(origin: str, size: int, root: bytes) -> str:
        return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def parse_checkpoint(note: str) -> Checkpoint:
    parsed = parse_note(note)
    lines = parsed.text.split("\n")
    if len(lines) < 4:
        raise NoteError("a checkpoint has origin, size and root lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise NoteError("bad tree size")
    root_bytes = base64.b64decode(root, validate=True)
    if len(root_bytes) != 32:
        raise NoteError("bad root hash")
    return Checkpoint(origin, int(size), root_bytes, parsed)
