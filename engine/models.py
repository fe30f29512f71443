"""Typed SQLAlchemy 2.0 models: definitions, cases, instances, projections, audit, users.

The serialized workflow in `process_instance.state` is the engine's truth; `human_task` and
`timer` are projections of it that every query reads.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONType, list[Any]: JSONType, datetime: UTCDateTime}


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"


class TaskStatus(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class CaseKind(StrEnum):
    CHILD = "child"
    ALLEGATION = "allegation"


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class IncidentKind(StrEnum):
    """What failed: firing a timer, starting a handed-off process, loading the stored workflow, the engine."""

    TIMER = "timer"
    HANDOFF = "handoff"
    STORED_STATE = "stored_state"
    ENGINE = "engine"


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    start_form: Mapped[str | None] = mapped_column(String(100))
    start_lane: Mapped[str | None] = mapped_column(String(100))
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime]
    validation_report: Mapped[dict[str, Any]]


class Case(Base):
    __tablename__ = "case"
    __table_args__ = (Index("ix_case_created_by", "created_by", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[dict[str, Any]]
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class CaseRestriction(Base):
    """Why a manager restricted a case, and the team (a group) it stays open to."""

    __tablename__ = "case_restriction"

    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"), primary_key=True)
    team: Mapped[str | None] = mapped_column(ForeignKey("user_group.name"))
    reason: Mapped[str] = mapped_column(Text)
    restricted_by: Mapped[str] = mapped_column(String(100))
    restricted_at: Mapped[datetime]


class BreakGlass(Base):
    """A manager's reasoned, time-limited opening of a case they could not otherwise see."""

    __tablename__ = "break_glass"
    __table_args__ = (
        Index("ix_break_glass_user", "username", "expires_at"),
        Index("ix_break_glass_opened", "opened_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ReferenceCounter(Base):
    """The last number issued per prefix and year, so references read MASH-2026-000001."""

    __tablename__ = "reference_counter"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ProcessInstance(Base):
    __tablename__ = "process_instance"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    parent_instance_id: Mapped[str | None] = mapped_column(ForeignKey("process_instance.id"))
    status: Mapped[str] = mapped_column(String(20), default=InstanceStatus.RUNNING)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    state_format: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    outcome: Mapped[str | None] = mapped_column(String(100))
    outcome_name: Mapped[str | None] = mapped_column(String(200))
    starts_process: Mapped[str | None] = mapped_column(String(100))
    route: Mapped[list[Any]] = mapped_column(default=list)
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": revision}  # optimistic lock: UPDATE ... WHERE revision = :seen


# "No deadline" as a real value, so every list orders by an indexed, non-null key (no COALESCE, no sort).
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


class HumanTask(Base):
    """A READY (or once-ready) user task: what task queues read.

    `sort_due` is `due_at`, or NO_DEADLINE when there is none: lists order and page on (sort_due, id),
    which the indexes below serve in order, so a page costs O(page) at any table size.
    """

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_queue", "candidate_group", "status", "sort_due", "id"),
        Index("ix_human_task_queue_process", "candidate_group", "status", "process_key", "sort_due", "id"),
        Index("ix_human_task_assignee", "assignee", "status", "sort_due", "id"),
        Index("ix_human_task_rule", "process_key", "element_id", "completed_at"),
        Index("ix_human_task_created", "created_at"),
        Index("ix_human_task_to_remind", "warn_at", sqlite_where=text("status = 'ready' AND reminded_at IS NULL"),
              postgresql_where=text("status = 'ready' AND reminded_at IS NULL")),
        # The managers' open-work counts: ready tasks grouped by lane, process and step, read from the index alone.
        Index("ix_human_task_open_work", "candidate_group", "process_key", "element_id", "sort_due", "warn_at",
              "case_id", "name", "status", sqlite_where=text("status = 'ready'"),
              postgresql_where=text("status = 'ready'")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str] = mapped_column(String(100))
    candidate_group: Mapped[str] = mapped_column(String(100))
    form_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.READY)
    assignee: Mapped[str | None] = mapped_column(String(100))
    personal: Mapped[bool] = mapped_column(Boolean, default=False)  # only its assignee may see it
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None]
    sort_due: Mapped[datetime] = mapped_column(default=NO_DEADLINE)
    warn_at: Mapped[datetime | None]
    due_rule: Mapped[str | None] = mapped_column(String(20))
    reminded_at: Mapped[datetime | None]  # when the level-0 reminder went out (once per task)


WAITING_TIMER = "fired_at IS NULL AND cancelled_at IS NULL"


class Timer(Base):
    """A timer event: waiting, fired or cancelled.

    The sweep reads only waiting rows through a partial index (`ix_timer_waiting`), so a year of fired
    and cancelled history beside them costs nothing; `ix_timer_fired` (fired rows only) serves lateness
    reports by `fired_at`, and being partial it is never a way to the waiting rows.
    """

    __tablename__ = "timer"
    __table_args__ = (
        Index("ix_timer_fired", "fired_at", "fires_at", sqlite_where=text("fired_at IS NOT NULL"),
              postgresql_where=text("fired_at IS NOT NULL")),
        Index("ix_timer_waiting", "fires_at", sqlite_where=text(WAITING_TIMER), postgresql_where=text(WAITING_TIMER)),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    rule: Mapped[str | None] = mapped_column(String(20))
    fires_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class Incident(Base):
    """A step no user was waiting on failed: the instance stays where it was until someone retries.

    `retry` keeps what re-running the step needs (for a hand-off: the target process and the data
    of the end task that handed off); it holds case data, so the API never shows it.
    """

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_status_opened", "status", "opened_at", "id"),
        Index("ix_incident_instance_status", "instance_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instance.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=IncidentStatus.OPEN)
    element_id: Mapped[str | None] = mapped_column(String(200))
    error_type: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
    retry: Mapped[dict[str, Any]]
    opened_at: Mapped[datetime]
    tries: Mapped[int] = mapped_column(Integer, default=1)
    last_tried_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))


class EmailStatus(StrEnum):
    """Where a notification's e-mail is: waiting to go, being handed to the server, sent, or not e-mailed."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    NO_ADDRESS = "no_address"
    UNCERTAIN = "uncertain"  # a sender died mid-hand-off: never resent (at most once), raised as an alert


class Notification(Base):
    """One message to one user: in their in-app list, and (if they have an address) in the e-mail outbox.

    Written in the transaction of the event that causes it; the outbox sender claims pending rows one at
    a time, marks them `sending`, hands them to the SMTP server, then marks them `sent`.
    """

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user", "username", "created_at", "id"),
        Index("ix_notification_outbox", "next_attempt_at", sqlite_where=text("email_status = 'pending'"),
              postgresql_where=text("email_status = 'pending'")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    email_to: Mapped[str | None] = mapped_column(String(320))
    email_status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class AuditPayload(Base):
    """An audit event's payload, kept apart so retention can remove it while the event and its digest stay."""

    __tablename__ = "audit_payload"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]]


class AuditEvent(Base):
    """Append-only (a trigger refuses UPDATE and DELETE), hash-chained over a digest of the payload.

    hash = sha256(prev_hash + canonical JSON of the event with `payload_sha256`); the payload itself
    lives in `audit_payload` and is read here through `payload` (None once retention removed it).
    """

    __tablename__ = "audit_event"
    # Auditors search by case, by person and by action, newest first: each is one range of an index.
    __table_args__ = (Index("ix_audit_case_seq", "case_id", "seq"), Index("ix_audit_actor_seq", "actor", "seq"),
                      Index("ix_audit_action_seq", "action", "seq"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str | None] = mapped_column(String(36))
    instance_id: Mapped[str | None] = mapped_column(String(36))
    task_id: Mapped[str | None] = mapped_column(String(36))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = column_property(
        select(AuditPayload.payload).where(AuditPayload.seq == seq).correlate_except(AuditPayload).scalar_subquery()
    )


class AuditHead(Base):
    """One row: the chain's last seq and hash, locked by each writer to serialise appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """The chain verified intact up to `seq`, where it had `hash`; signed with HMAC-SHA256 (append-only)."""

    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Alert(Base):
    """Something auditors and administrators must look at (a broken audit chain, for one)."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_raised", "raised_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
    raised_at: Mapped[datetime]


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # "issuer|sub" of the identity provider account this user signs in with (OIDC), once linked.
    oidc_subject: Mapped[str | None] = mapped_column(String(300), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))  # where notifications are e-mailed, if anywhere


class Group(Base):
    """A group of users; its name is the lane name in the diagrams."""

    __tablename__ = "user_group"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class Membership(Base):
    __tablename__ = "membership"

    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    group_name: Mapped[str] = mapped_column(ForeignKey("user_group.name"), primary_key=True)


class ApiToken(Base):
    """A bearer token, stored only as its SHA-256 (tokens are 256-bit random, so no slow hash is needed)."""

    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="api")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser session: the cookie holds a random id, this table only its SHA-256."""

    __tablename__ = "web_session"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))  # "password" or "oidc"
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class FamilyNetwork(Base):
    """The latest family network of a case, kept as a graph (domain §8 F7), never as a drawing."""

    __tablename__ = "family_network"

    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"), primary_key=True)
    people: Mapped[list[Any]]
    relationships: Mapped[list[Any]]
    households: Mapped[list[Any]]
    ecomap_links: Mapped[list[Any]]
    source_task_id: Mapped[str] = mapped_column(String(36))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]


class ScaleRecord(Base):
    """One participant's 0–10 rating of one danger statement (or overall) on one occasion (F5)."""

    __tablename__ = "scale_record"
    __table_args__ = (Index("ix_scale_case", "case_id", "danger_statement_id", "rated_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    form_key: Mapped[str] = mapped_column(String(100))
    occasion: Mapped[str | None] = mapped_column(String(40))
    danger_statement_id: Mapped[str | None] = mapped_column(String(100))
    danger_statement: Mapped[str | None] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    rated_on: Mapped[str] = mapped_column(String(10))
    rater_name: Mapped[str] = mapped_column(String(200))
    rater_role: Mapped[str] = mapped_column(String(40))
    agency: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime]


class FormDraft(Base):
    """A page's unsent answers, kept per person and per task (or per new referral): never a submission."""

    __tablename__ = "form_draft"
    __table_args__ = (UniqueConstraint("username", "draft_key", name="uq_form_draft_owner"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(200))
    draft_key: Mapped[str] = mapped_column(String(80))  # "task:<uuid>" or "referral"
    case_id: Mapped[str | None] = mapped_column(ForeignKey("case.id"), index=True)
    form_key: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    saved_at: Mapped[datetime]


class PersonRole(StrEnum):
    """A person's part in one case: a child the case is about, a household member, the adult accused."""

    CHILD = "child"
    HOUSEHOLD_MEMBER = "household_member"
    SUBJECT_OF_ALLEGATION = "subject_of_allegation"


class Person(Base):
    """A child or adult known to the service across cases (record & match, domain §3 step 2, §9.1).

    `match_key` is the name lower-cased with runs of spaces made one: with `dob` it is the exact-match
    rule used when no NHS number matches. Codes are the CIN census ones (ethnicity, disabilities).
    """

    __tablename__ = "person"
    __table_args__ = (Index("ix_person_match", "match_key", "dob"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    match_key: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    dob: Mapped[date | None] = mapped_column(Date)
    expected_dob: Mapped[date | None] = mapped_column(Date)
    death_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(20))
    ethnicity: Mapped[str | None] = mapped_column(String(10))
    disabilities: Mapped[list[Any]] = mapped_column(default=list)
    nhs_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    upn: Mapped[str | None] = mapped_column(String(13))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CasePerson(Base):
    """Who a case is about, and in what part; a person outlives any one case."""

    __tablename__ = "case_person"

    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)
    relationship: Mapped[str | None] = mapped_column(String(100))
    linked_at: Mapped[datetime]


class CaseEvent(Base):
    """A dated fact the statutory returns count (a referral, an assessment, a plan starting or ending…),
    projected from the form that recorded it in the same transaction; `details` holds its codes."""

    __tablename__ = "case_event"
    __table_args__ = (
        Index("ix_case_event_case", "case_id", "on_date", "id"),
        Index("ix_case_event_kind", "kind", "on_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    kind: Mapped[str] = mapped_column(String(40))
    on_date: Mapped[date] = mapped_column(Date)
    details: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(String(100))
    task_id: Mapped[str | None] = mapped_column(String(36))
    recorded_at: Mapped[datetime]
