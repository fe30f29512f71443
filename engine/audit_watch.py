"""The watch over the audit chain: verify what is new, sign checkpoints, raise an alert on a break.

Run every night by the worker (`verify-audit-chain`) and by `sosflow audit verify`. Each run starts
from the newest signed checkpoint, so it costs O(events since then); `full=True` walks the whole
chain. Checkpoints are written only for a chain found intact, at every CHECKPOINT_EVERY-th event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.alerts import raise_alert
from engine.audit import CHECKPOINT_EVERY, ChainReport, verify_chain
from engine.audit_keys import sign_checkpoint
from engine.db import Database
from engine.models import AuditCheckpoint
from engine.unit_of_work import unit_of_work

CHAIN_BROKEN = "audit_chain_broken"


def watch_audit_chain(db: Database, now: datetime, *, full: bool = False,
                      every: int = CHECKPOINT_EVERY) -> ChainReport:
    """Verify the chain; sign the checkpoints it reached, or raise an alert naming the break."""
    with db.reading() as session:
        report = verify_chain(session, full=full, every=every)
    with unit_of_work(db, now) as uow:
        if report.intact:
            write_checkpoints(uow.session, report, now)
        else:
            details = {"first_broken_seq": report.first_broken_seq, "reason": report.reason}
            raise_alert(uow, CHAIN_BROKEN, f"the audit chain is broken at seq {report.first_broken_seq}", details)
    return report


def write_checkpoints(session: Session, report: ChainReport, now: datetime) -> None:
    for seq, chain_hash in report.checkpoint_due:
        if session.get(AuditCheckpoint, seq) is not None:  # another watch signed it meanwhile
            continue
        session.add(AuditCheckpoint(seq=seq, hash=chain_hash, signature=sign_checkpoint(seq, chain_hash),
                                    created_at=now))
