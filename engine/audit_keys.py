"""The audit key: HMAC-SHA256 signatures of chain checkpoints.

The key comes from `SOSFLOW_AUDIT_KEY`; without it, one is generated into `instance/audit-key` on
first use (readable by the owner only). Someone who can rewrite the database but does not hold the
key cannot sign a checkpoint for a chain they rewrote.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

DEFAULT_KEY_FILE = Path("instance") / "audit-key"


def audit_key() -> bytes:
    """The configured key, else the one kept in instance/ (created on first use)."""
    configured = os.environ.get("SOSFLOW_AUDIT_KEY")
    if configured:
        return configured.encode("utf-8")
    if not DEFAULT_KEY_FILE.exists():
        _create_key_file(DEFAULT_KEY_FILE)
    return DEFAULT_KEY_FILE.read_text().strip().encode("utf-8")


def _create_key_file(path: Path) -> None:
    """Write a new random key beside `path`, then link it into place: two processes never see half a key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(secrets.token_hex(32))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process linked its key first: everyone uses that one
    finally:
        draft.unlink()


def sign_checkpoint(seq: int, chain_hash: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 over (seq, hash)."""
    message = f"{seq}:{chain_hash}".encode("ascii")
    return hmac.new(key or audit_key(), message, hashlib.sha256).hexdigest()


def checkpoint_signed(seq: int, chain_hash: str, signature: str, key: bytes | None = None) -> bool:
    return hmac.compare_digest(sign_checkpoint(seq, chain_hash, key), signature)
