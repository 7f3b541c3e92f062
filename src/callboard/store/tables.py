"""Table definitions: key columns for queries plus a JSON document for Graph's deep shapes."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

# Jobs a runner has yet to finish (pending, or claimed and running).
OPEN_JOBS = "status IN ('pending', 'running')"
# Running jobs whose lock can expire: held by no registered process (rows from before the
# process registry). Nearly always none.
OWNERLESS_RUNNING_JOBS = "status = 'running' AND locked_by IS NULL"

# SQLite only auto-increments INTEGER PRIMARY KEY columns.
_BIGINT_PK = BigInteger().with_variant(Integer, "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Tenants, users, applications and application instances; behaviour of simulated parties too.
directory_entries = Table(
    "directory_entries",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(256), primary_key=True),
    # Where the entry stood in the loaded document, so it reads back in the same order.
    Column("position", Integer, nullable=False),
    Column("document", JSON, nullable=False),
)

# Per-identity overrides of how a simulated remote party behaves (set through the admin API).
behaviours = Table(
    "behaviours",
    metadata,
    Column("identity_id", String(256), primary_key=True),
    Column("document", JSON, nullable=False),
)

# The virtual clock's offset (development): shared by serve, workers and restarts.
clock_state = Table(
    "clock_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("offset_seconds", Float, nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

calls = Table(
    "calls",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("app_id", String(64), nullable=False),
    Column("state", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("modified_at", Float, nullable=False),
    Column("version", Integer, nullable=False),
    # The online meeting a call joined, so a roster change reaches every bot in it.
    Column("meeting_id", String(128), nullable=True, index=True),
    Column("document", JSON, nullable=False),
    Index("ix_calls_tenant_app", "tenant_id", "app_id"),
)

# Online meetings: the one store Graph, joins by call, SMS and UCWA all read.
online_meetings = Table(
    "online_meetings",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("organizer_id", String(256), nullable=False),
    Column("join_meeting_id", String(32), nullable=False, unique=True),
    Column("thread_id", String(256), nullable=False),
    Column("join_web_url", Text, nullable=False),
    Column("external_id", String(256), nullable=True),
    Column("video_teleconference_id", String(32), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("modified_at", Float, nullable=False),
    Column("version", Integer, nullable=False),
    Column("document", JSON, nullable=False),
    Index("ix_online_meetings_tenant_thread", "tenant_id", "thread_id"),
    Index(
        "ix_online_meetings_tenant_organizer_external", "tenant_id", "organizer_id", "external_id"
    ),
)

operations = Table(
    "operations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("call_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("document", JSON, nullable=False),
)

# The outbox and the timer wheel: webhook deliveries, simulated-party steps, SMS, reminders.
jobs = Table(
    "jobs",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("kind", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("run_at", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("ordering_key", String(128), nullable=True),
    Column("locked_until", Float, nullable=True),
    # The process (``processes.id``) that holds a running job: released when it dies.
    Column("locked_by", String(64), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
    Index("ix_jobs_status_run_at", "status", "run_at"),
    Index("ix_jobs_ordering_key_id", "ordering_key", "id"),
    # The per-call FIFO check of a claim ("no earlier open job of this call") reads only open
    # jobs: without this index PostgreSQL, on fresh statistics, intersected the status index
    # for every candidate, and a 20,000-job backlog took 8 s per claim instead of 40 ms.
    Index(
        "ix_jobs_open_ordering_key_id",
        "ordering_key",
        "id",
        postgresql_where=text(OPEN_JOBS),
        sqlite_where=text(OPEN_JOBS),
    ),
    # A claim's look for expired locks: without it every claim walked all running jobs
    # (every POST in flight), as costly as finding the batch itself.
    Index(
        "ix_jobs_ownerless_running",
        # The two equalities first: SQLite then prefers it to ix_jobs_status_run_at.
        "status",
        "locked_by",
        "run_at",
        "id",
        postgresql_where=text(OWNERLESS_RUNNING_JOBS),
        sqlite_where=text(OWNERLESS_RUNNING_JOBS),
    ),
)

# One row per webhook delivery attempt.
deliveries = Table(
    "deliveries",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("job_id", BigInteger, nullable=False, index=True),
    Column("call_id", String(64), nullable=True, index=True),
    Column("attempt", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Float, nullable=False),
    Column("error", Text, nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    # The headers sent (Authorization masked), the answer's first 2 KB, the injected fault;
    # the body sent is the job's payload.
    Column("request_headers", JSON, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("fault", String(32), nullable=True),
)

# Virtual-appointment SMS: one row per recipient and message (reminders included).
sms_messages = Table(
    "sms_messages",
    metadata,
    # Insertion order (requests list their attendees in order); ``id`` is the public id.
    Column("seq", _BIGINT_PK, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("meeting_id", String(128), nullable=False, index=True),
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("to_number", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("due_at", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("document", JSON, nullable=False),
)

# UCWA applications (one per user and endpointId): see docs/ucwa.md.
ucwa_applications = Table(
    "ucwa_applications",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("user_id", String(256), nullable=False),
    Column("endpoint_id", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("document", JSON, nullable=False),
    Index("ix_ucwa_applications_user_endpoint", "tenant_id", "user_id", "endpoint_id"),
)

# Tables emptied by an admin reset (the directory is reloaded and the keys kept; running
# processes keep their virtual clock, a restarted one starts again from real time).
# Change-notification subscriptions (POST /subscriptions); the rest of the resource is the
# JSON document.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("app_id", String(64), nullable=False),
    Column("resource_key", String(256), nullable=False),
    Column("expiration", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("document", JSON, nullable=False),
    Index("ix_subscriptions_tenant_resource", "tenant_id", "resource_key"),
    Index("ix_subscriptions_app", "app_id"),
)

# Each user's presence: application sessions, preferred presence, status message (document);
# ``sequence`` is the optimistic-concurrency version.
presences = Table(
    "presences",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("user_id", String(256), primary_key=True),
    Column("sequence", Integer, nullable=False),
    Column("document", JSON, nullable=False),
)

# recordResponse's recordings: the WAV, and the access token that may fetch it until it expires.
recordings = Table(
    "recordings",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("call_id", String(64), nullable=False),
    Column("operation_id", String(64), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("duration_seconds", Float, nullable=False),
    Column("access_token", String(128), nullable=False),
    Column("token_expires_at", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_recordings_call", "call_id"),
)

# Call records: a call's log while it runs (status "open"), "closed" when it ended, then
# "published" once its record is announced; the legs and identities are the JSON document.
call_records = Table(
    "call_records",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("call_id", String(64), nullable=False, unique=True),
    Column("tenant_id", String(64), nullable=False),
    Column("app_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float, nullable=True),
    Column("document", JSON, nullable=False),
    Index("ix_call_records_tenant_started", "tenant_id", "started_at"),
)

# Running serve and worker processes: a process whose heartbeat is older than
# ``process_dead_after_seconds`` is dead, and the jobs it held are released. A reset empties
# it with the jobs; a live process registers again at its next heartbeat.
processes = Table(
    "processes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("host", String(256), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
)

# Fault injection rules (docs/fault-injection.md); the rule is the JSON document.
faults = Table(
    "faults",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("document", JSON, nullable=False),
)

STATE_TABLES: tuple[Table, ...] = (
    clock_state,
    calls,
    operations,
    online_meetings,
    jobs,
    deliveries,
    behaviours,
    directory_entries,
    sms_messages,
    ucwa_applications,
    subscriptions,
    presences,
    recordings,
    call_records,
    processes,
    faults,
)
