"""Standalone verifier for Doorstep's fair record (standard library plus `cryptography` only).

It recomputes entry hashes, the RFC 6962 Merkle tree, inclusion and consistency proofs and checks
the signed checkpoints, so an evidence bundle can be checked on a machine that has never seen
Doorstep's database: `python -m doorstep_verify bundle.zip`.
"""

from doorstep_verify.chain import GENESIS, Problem, data_hash, entry_hash, verify_chain, verify_log
from doorstep_verify.merkle import (
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from doorstep_verify.note import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    parse_checkpoint,
)

__all__ = [
    "GENESIS",
    "Checkpoint",
    "MerkleTree",
    "NoteSigner",
    "NoteVerifier",
    "Problem",
    "data_hash",
    "entry_hash",
    "leaf_hash",
    "parse_checkpoint",
    "verify_chain",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
]
