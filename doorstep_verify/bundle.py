"""Evidence bundles: one case's entries, their inclusion proofs, the checkpoints and the public keys.

Layout of the zip:
  manifest.json        {"format": "doorstep-evidence/1", "origin", "target", "created_at"}
  entries.jsonl        one entry per line, plus "proof": {"tree_size", "path": [hex…]}
  checkpoints/<n>.txt  signed checkpoint notes (the log key, and any witness countersignatures)
  consistency.json     [{"old_size", "new_size", "path": [hex…]}] between consecutive checkpoints
  keys.txt             "log <vkey>" and "witness <vkey>" lines
"""

import json
import zipfile
from dataclasses import dataclass, field

from doorstep_verify.chain import data_hash, entry_hash
from doorstep_verify.merkle import leaf_hash, verify_consistency, verify_inclusion
from doorstep_verify.note import NoteError, NoteVerifier, parse_checkpoint

FORMAT = "doorstep-evidence/1"


@dataclass
class Report:
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def good(self, text: str) -> None:
        self.lines.append("ok    " + text)

    def bad(self, text: str) -> None:
        self.ok = False
        self.problems.append(text)
        self.lines.append("FAIL  " + text)

    def note(self, text: str) -> None:
        self.lines.append("note  " + text)


def read_keys(text: str) -> tuple[list[NoteVerifier], list[NoteVerifier]]:
    log, witness = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        role, _, vkey = line.partition(" ")
        (witness if role == "witness" else log).append(NoteVerifier(vkey))
    return log, witness


def verify_bundle(
    path,
    trusted_log_keys: list[str] | None = None,
    trusted_witness_keys: list[str] | None = None,
    require_witness: bool = False,
) -> Report:
    """Check every entry, proof and checkpoint in the bundle; keys passed in override the bundle's own."""
    report = Report()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.bad(f"cannot open bundle: {exc}")
        return report
    with zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json")) if "manifest.json" in names else {}
        if manifest.get("format") != FORMAT:
            report.bad("manifest.json missing or not a doorstep evidence bundle")
            return report
        origin = manifest.get("origin")
        bundled_log, bundled_witness = read_keys(zf.read("keys.txt").decode() if "keys.txt" in names else "")
        if trusted_log_keys:
            log_keys = [NoteVerifier(k) for k in trusted_log_keys]
        else:
            log_keys = bundled_log
            report.note(
                "using the log keys shipped inside the bundle; pass --key to pin keys you got elsewhere"
            )
        witness_keys = (
            [NoteVerifier(k) for k in trusted_witness_keys] if trusted_witness_keys else bundled_witness
        )

        checkpoints = {}
        for name in sorted(n for n in names if n.startswith("checkpoints/") and n.endswith(".txt")):
            try:
                cp = parse_checkpoint(zf.read(name).decode())
            except (NoteError, ValueError, UnicodeDecodeError) as exc:
                report.bad(f"FORGED CHECKPOINT {name}: unreadable ({exc})")
                continue
            if origin and cp.origin != origin:
                report.bad(f"FORGED CHECKPOINT {name}: origin {cp.origin!r} is not {origin!r}")
                continue
            signed = cp.note.verified_by(log_keys)
            if not signed:
                report.bad(f"FORGED CHECKPOINT {name}: no valid signature by a log key")
                continue
            witnessed = cp.note.verified_by(witness_keys)
            if require_witness and not witnessed:
                report.bad(f"checkpoint {name}: no valid witness countersignature")
                continue
            who = ", ".join(v.name for v in signed + witnessed)
            report.good(f"checkpoint size {cp.size} signed by {who}")
            checkpoints[cp.size] = cp

        for item in json.loads(zf.read("consistency.json")) if "consistency.json" in names else []:
            old, new = checkpoints.get(item["old_size"]), checkpoints.get(item["new_size"])
            if old is None or new is None:
                continue
            path_ = [bytes.fromhex(h) for h in item["path"]]
            if verify_consistency(old.size, new.size, old.root, new.root, path_):
                report.good(f"checkpoint {new.size} extends checkpoint {old.size} (consistency proof)")
            else:
                report.bad(
                    f"FORGED CHECKPOINT: {new.size} is not an extension of {old.size} (history rewritten)"
                )

        lines = zf.read("entries.jsonl").decode().splitlines() if "entries.jsonl" in names else []
        by_seq: dict[int, dict] = {}
        for line in lines:
            if not line.strip():
                continue
            entry = json.loads(line)
            seq = entry.get("seq")
            if entry.get("data") is not None and data_hash(entry["data"]) != entry["data_hash"]:
                report.bad(f"EDITED entry #{seq}: content does not match its data_hash")
                continue
            if entry_hash(entry) != entry["entry_hash"]:
                report.bad(f"EDITED entry #{seq}: fields do not match its entry_hash")
                continue
            proof = entry.get("proof") or {}
            cp = checkpoints.get(proof.get("tree_size"))
            if cp is None:
                report.bad(
                    f"entry #{seq}: no valid checkpoint of size {proof.get('tree_size')} to prove it against"
                )
                continue
            leaf = leaf_hash(bytes.fromhex(entry["entry_hash"]))
            path_ = [bytes.fromhex(h) for h in proof.get("path", [])]
            if not verify_inclusion(seq - 1, cp.size, leaf, path_, cp.root):
                report.bad(
                    f"EDITED entry #{seq}: not included in signed checkpoint {cp.size} (inclusion proof fails)"
                )
                continue
            by_seq[seq] = entry
            note = " (content redacted, hash kept)" if entry.get("data") is None else ""
            report.good(f"entry #{seq} {entry['action']} included in checkpoint {cp.size}{note}")
        for seq, entry in by_seq.items():
            prev = by_seq.get(seq - 1)
            if prev is not None and entry["prev_hash"] != prev["entry_hash"]:
                report.bad(f"entry #{seq}: does not link to entry #{seq - 1}")
        if not by_seq and not report.problems:
            report.bad("the bundle holds no verifiable entries")
    return report
