"""Reads of the public's read-heavy views from a PostgreSQL streaming replica (optional).

When ``DATABASE_REPLICA_URL`` is set, the ``replica`` database exists and a request may read it
when all of these hold, and reads the primary otherwise:

- its view is one of ``settings.DATABASE_REPLICA_VIEWS`` (vector tiles, OGC API - Features
  reads, public search and geocoding) and its method is GET or HEAD;
- it carries no session cookie and no ``Authorization`` header: the public. Whoever can write
  (staff, editors, QGIS with credentials) always reads the primary, so an edit shows on its
  author's very next request (read-your-writes across requests);
- it has written nothing yet (read-your-writes within the request: after any write through
  the ORM, every later read of the request goes to the primary; raw SQL that writes data the
  request reads back calls :func:`write_noted`) and it is not inside a transaction;
- the replica answers and replays the primary's WAL less than ``DATABASE_REPLICA_MAX_LAG``
  seconds behind it (checked at most every ``DATABASE_REPLICA_LAG_CHECK_SECONDS`` per
  process). Otherwise the request reads the primary, and the reason is logged once.

Routers only see models, so the request's choice lives in a context variable the middleware
sets; the router reads it for the ORM and :func:`read_connection` gives raw SQL the same
connection. Who the client is (sessions, users, groups, tokens) and the tile cache (unlogged
tables, which a standby does not hold) are always read from the primary.

Replication lag and the tile cache: a tile rendered from the replica is cached on the primary
by the same rule as any render (core.sql.tile_cache_store): it is refused when an edit that
touched the tile is not visible in the render's snapshot. A standby's snapshot is taken in the
primary's transaction ids, so an edit the replica had not replayed yet is exactly such an
edit: the stale tile is served once and never cached. The rule needs the edit's record, kept
15 minutes; the lag bound (refused at 450 s and above by the settings) keeps well inside it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

# Apps and models the replica never serves: who the client is must never lag (a sign-out or a
# revoked token takes effect at once), and the tile cache's tables are unlogged (no WAL, so a
# standby holds none of their rows).
PRIMARY_ONLY_APPS = {"auth", "sessions", "authtoken"}
PRIMARY_ONLY_MODELS = {"core.CachedTile", "core.TileInvalidation"}
SAFE_METHODS = {"GET", "HEAD"}


@dataclass
class _RequestReads:
    """What one request may read from where (mutated in place, so a write noted deep in a
    service is seen by every later read of the request)."""

    replica_allowed: bool = False
    wrote: bool = False
    alias: str | None = None  # the database chosen at the request's first read


_reads: ContextVar[_RequestReads | None] = ContextVar("replica_reads", default=None)


def replica_alias() -> str:
    return settings.REPLICA_DATABASE


def replica_configured() -> bool:
    return replica_alias() in connections.settings


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside this block may come from the replica, as they do for a public request to
    one of DATABASE_REPLICA_VIEWS (for benchmarks and tests that call selectors directly)."""
    token = _reads.set(_RequestReads(replica_allowed=True))
    try:
        yield
    finally:
        _reads.reset(token)


def write_noted() -> None:
    """From now on this request reads the primary (it wrote: it must read what it wrote)."""
    state = _reads.get()
    if state is not None:
        state.wrote = True


def read_alias() -> str:
    """The database this request reads now: ``replica`` or ``default``."""
    state = _reads.get()
    if state is None or not state.replica_allowed or state.wrote or not replica_configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS  # a transaction reads what it wrote, and one snapshot
    if state.alias is None:
        # Chosen once per request: a tile or a page is read from one database.
        state.alias = replica_alias() if _health.usable() else DEFAULT_DB_ALIAS
    return state.alias


def read_connection() -> BaseDatabaseWrapper:
    """The connection raw SQL of a read should use: :func:`read_alias`'s."""
    return connections[read_alias()]


class _ReplicaHealth:
    """Per process: is the replica reachable, and close enough behind the primary? Races
    between threads are harmless (each answer is a fresh measurement)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.forget()

    def forget(self) -> None:
        self.down_until = 0.0
        self.checked_at = float("-inf")
        self.fresh = False
        self.reason = ""
        # The primary's WAL position at the last check, and when (monotonic seconds).
        self.sample: tuple[float, str] | None = None

    def usable(self) -> bool:
        now = time.monotonic()
        if now < self.down_until:
            return False
        replica = connections[replica_alias()]
        try:
            # What Django would do at the first query, done here so that a replica gone since
            # the last request sends this one to the primary instead of failing it.
            replica.close_if_health_check_failed()
            replica.ensure_connection()
        except DatabaseError as exc:
            self._down(replica, now=now, reason=_first_line(exc))
            return False
        if now - self.checked_at >= settings.DATABASE_REPLICA_LAG_CHECK_SECONDS:
            sample = (now, _primary_wal_lsn())
            try:
                fresh, reason = _replica_freshness(replica, now=sample, earlier=self.sample)
            except _ReplicaUnreachable as exc:
                self._down(replica, now=now, reason=exc.reason)
                return False
            self._report(fresh=fresh, reason=reason)
            self.checked_at, self.sample = now, sample
        return self.fresh

    def _down(self, replica: BaseDatabaseWrapper, *, now: float, reason: str) -> None:
        retry = settings.DATABASE_REPLICA_RETRY_SECONDS
        logger.warning(
            "read replica unreachable, reading the primary for %.0f s: %s", retry, reason
        )
        with contextlib.suppress(DatabaseError):
            replica.close()
        self.down_until = now + retry
        self.checked_at = float("-inf")
        self.fresh = False
        self.reason = f"unreachable: {reason}"

    def _report(self, *, fresh: bool, reason: str) -> None:
        with self._lock:
            if not fresh and (self.fresh or reason != self.reason):
                logger.warning("read replica not used, reading the primary: %s", reason)
            elif fresh and not self.fresh and self.reason:
                logger.info("read replica caught up, public reads use it again")
            self.fresh, self.reason = fresh, ("" if fresh else reason)


_health = _ReplicaHealth()


def replica_status() -> str | None:
    """For the health check: ``ok``, why the replica is not read, or None without one."""
    if not replica_configured():
        return None
    return "ok" if _health.usable() else f"not used ({_health.reason or 'unknown'})"


def replica_health_forget() -> None:
    """Forget what this process measured of the replica (after it was reconfigured)."""
    _health.forget()


class _ReplicaUnreachable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _primary_wal_lsn() -> str:
    """Where the primary's WAL ends now (an error here is the primary's: it is not caught).
    The insert position, not the flushed one: with synchronous_commit off (as the local
    cluster runs) a transaction is visible before its WAL is flushed, and the replica must
    have replayed it too to count as current."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return cursor.fetchone()[0]


def _replica_freshness(
    replica: BaseDatabaseWrapper, *, now: tuple[float, str], earlier: tuple[float, str] | None
) -> tuple[bool, str]:
    """Whether the replica replays less than DATABASE_REPLICA_MAX_LAG seconds behind the
    primary, and if not, why. ``now`` and ``earlier`` are (time, the primary's WAL position)
    of this check and the last one. Lag is bounded where it cannot hide: a replica that has
    replayed the primary's WAL of this moment is current; one that has replayed the WAL of
    the last check is at most that old; and none lacks anything older than the last
    transaction it replayed (everything it lacks committed after that one). A replica that
    lost its connection to the primary shows as growing lag."""
    time_now, lsn_now = now
    time_earlier, lsn_earlier = earlier or now
    try:
        with replica.cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                "pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                "extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
                [lsn_now, lsn_earlier],
            )
            in_recovery, current, since_earlier, age = cursor.fetchone()
    except DatabaseError as exc:
        raise _ReplicaUnreachable(_first_line(exc)) from None
    if not in_recovery:
        # A promoted standby (after a failover) no longer receives the primary's writes.
        return False, "the replica is not in recovery (promoted, or not a standby)"
    if current:
        return True, ""
    bounds = [float(age)] if age is not None else []
    if since_earlier and earlier is not None:
        bounds.append(time_now - time_earlier)
    max_lag = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    if not bounds or min(bounds) > max_lag:
        behind = f"{min(bounds):.1f} s" if bounds else "an unknown time"
        return False, f"the replica may be {behind} behind the primary (limit {max_lag} s)"
    return True, ""


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _routable(hints: dict) -> bool:
    """False for an instance loaded through another alias (the jobs' progress connection):
    Django then keeps it on that alias."""
    instance = hints.get("instance")
    db = getattr(getattr(instance, "_state", None), "db", None)
    return db in (None, DEFAULT_DB_ALIAS, replica_alias())


class ReplicaRouter:
    """Django database router: reads as :func:`read_alias` says, writes to the primary. Does
    nothing when no replica is configured."""

    def db_for_read(self, model, **hints):
        if not replica_configured() or not _routable(hints):
            return None
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or meta.label in PRIMARY_ONLY_MODELS:
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model, **hints):
        if not replica_configured() or not _routable(hints):
            return None
        # Also for an object read from the replica: it is saved on the primary.
        write_noted()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        same = {DEFAULT_DB_ALIAS, replica_alias()}
        if obj1._state.db in same and obj2._state.db in same:
            return True  # one database, two ways in
        return None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == replica_alias() else None


class ReplicaReadsMiddleware:
    """Marks the public's GET and HEAD requests to DATABASE_REPLICA_VIEWS as allowed to read
    the replica (see the module's documentation); passes everything through when no replica
    is configured."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        token = _reads.set(_RequestReads())
        try:
            return self.get_response(request)
        finally:
            _reads.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = _reads.get()
        if state is None or request.method not in SAFE_METHODS:
            return None
        match = request.resolver_match
        if match is None or match.view_name not in settings.DATABASE_REPLICA_VIEWS:
            return None
        identified = (
            settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
        )
        state.replica_allowed = not identified
        return None
