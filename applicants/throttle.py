"""Throttling of the staff login: failed attempts lock a login and an address.

Public: ``login_key``, ``client_ip``, ``login_lock_find``, ``login_attempt_fail``,
``login_attempt_refuse``, ``login_attempt_succeed``, ``Lock``.

Attempts live in the database (``LoginAttempt``) so a lock holds across web
processes and restarts. After ``LOGIN_MAX_FAILURES`` failures for one login
within ``LOGIN_FAILURE_WINDOW_MINUTES`` the login is locked for
``LOGIN_LOCK_MINUTES``; after ``LOGIN_IP_MAX_FAILURES`` failures from one
address (over any logins) the address is locked as long. A lock is counted
for logins that do not exist as well, so it tells nothing about accounts.
Attempts refused by a lock are audited but not counted, so a lock ends on time.

Behind a reverse proxy set ``LOGIN_TRUSTED_PROXIES`` to the number of proxies
that append to X-Forwarded-For; with 0 the peer address is used.
"""

from __future__ import annotations

import datetime
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from applicants.logging import mask_identifiers
from applicants.models import LoginAttempt, User
from audit.services import audit_record

# Enough history to find any lock still running; a bound on rows read even
# when many requests raced past a lock.
_HISTORY_ROWS = 1000


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_failures() -> int:
    return _setting("LOGIN_MAX_FAILURES", 5)


def ip_max_failures() -> int:
    return _setting("LOGIN_IP_MAX_FAILURES", 20)


def failure_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=_setting("LOGIN_FAILURE_WINDOW_MINUTES", 15))


def lock_duration() -> datetime.timedelta:
    return datetime.timedelta(minutes=_setting("LOGIN_LOCK_MINUTES", 15))


def login_key(login: str) -> str:
    """What attempts are counted under: the login as typed, trimmed and lowercased."""
    return login.strip().lower()[:150]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer, or the entry the trusted proxy added."""
    proxies = _setting("LOGIN_TRUSTED_PROXIES", 0)
    candidate = request.META.get("REMOTE_ADDR", "")
    if proxies > 0:
        # Each proxy appends the address it saw; entries further left were
        # written by the client and can be forged.
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


@dataclass(frozen=True)
class Lock:
    """A running lock: until when, and the failure that set it off."""

    until: datetime.datetime
    cause: LoginAttempt

    def minutes_left(self, now: datetime.datetime | None = None) -> int:
        seconds = (self.until - (now or timezone.now())).total_seconds()
        return max(1, math.ceil(seconds / 60))


def _running_lock(attempts: list[LoginAttempt], *, limit: int, now: datetime.datetime) -> Lock | None:
    """Replay attempts (oldest first): ``limit`` failures within the window lock
    for the lock duration and start a fresh count; a success starts one too."""
    window, duration = failure_window(), lock_duration()
    streak: list[LoginAttempt] = []
    lock: Lock | None = None
    for attempt in attempts:
        if lock is not None and attempt.created_at < lock.until:
            continue  # raced past a lock check; counting it would prolong the lock
        if attempt.succeeded:
            streak = []
            continue
        streak = [a for a in streak if attempt.created_at - a.created_at < window]
        streak.append(attempt)
        if len(streak) >= limit:
            lock = Lock(until=attempt.created_at + duration, cause=attempt)
            streak = []
    return lock if lock is not None and now < lock.until else None


def _history(condition: Q, *, now: datetime.datetime) -> list[LoginAttempt]:
    since = now - failure_window() - lock_duration()
    rows = LoginAttempt.objects.filter(condition, created_at__gte=since, created_at__lte=now)
    return list(rows.order_by("-created_at", "-id")[:_HISTORY_ROWS])[::-1]


def login_lock_find(*, login: str, ip: str | None) -> Lock | None:
    """The lock on this login or address that ends last, or None."""
    now = timezone.now()
    locks = [
        _running_lock(_history(Q(username=login_key(login)), now=now), limit=max_failures(), now=now),
    ]
    if ip is not None:
        # Successes from an address do not reset its count: one known
        # password must not buy unlimited guesses at the others.
        failures = _history(Q(ip=ip, succeeded=False), now=now)
        locks.append(_running_lock(failures, limit=ip_max_failures(), now=now))
    running = [lock for lock in locks if lock is not None]
    return max(running, key=lambda lock: lock.until) if running else None


def _account(login: str) -> User | None:
    """The account a login names, looked up as the auth backend does."""
    login = login.strip()
    lookup = {"iin": login} if login.isdigit() and len(login) == 12 else {"username": login}
    return User.objects.filter(**lookup).first()


def _shown(login: str) -> str:
    return mask_identifiers(login_key(login))


def login_attempt_fail(*, login: str, ip: str | None, reason: str) -> Lock | None:
    """Record and audit a failed attempt; return the lock it set off, if any."""
    with transaction.atomic():
        attempt = LoginAttempt.objects.create(username=login_key(login), ip=ip, succeeded=False)
        target = _account(login) or attempt
        audit_record(
            actor=None,
            action="login_failed",
            target=target,
            remark=f"staff login “{_shown(login)}” from {ip or 'unknown address'}: {reason}",
            succeeded=False,
        )
        lock = login_lock_find(login=login, ip=ip)
        if lock is not None and lock.cause.pk == attempt.pk:
            audit_record(
                actor=None,
                action="login_locked",
                target=target,
                remark=(
                    f"staff login “{_shown(login)}” from {ip or 'unknown address'} locked "
                    f"until {lock.until.isoformat(timespec='seconds')} after repeated failures"
                ),
                succeeded=False,
            )
            return lock
    return None


def login_attempt_refuse(*, login: str, ip: str | None, lock: Lock) -> None:
    """Audit an attempt refused by a running lock (the password was not checked)."""
    audit_record(
        actor=None,
        action="login_locked",
        target=_account(login) or lock.cause,
        remark=(
            f"staff login “{_shown(login)}” from {ip or 'unknown address'} refused: "
            f"locked until {lock.until.isoformat(timespec='seconds')}"
        ),
        succeeded=False,
    )


def login_attempt_succeed(*, user: User, login: str, ip: str | None) -> None:
    """Record and audit a successful login; it resets the count for the login."""
    with transaction.atomic():
        LoginAttempt.objects.create(username=login_key(login), ip=ip, succeeded=True)
        audit_record(
            actor=user, action="login", target=user, remark=f"staff login from {ip or 'unknown address'}"
        )


# --- Other doors (the citizen cabinet, applicants.citizen_views) -------------
# The functions above with the door named in the audit remark (theirs say
# "staff login"). Attempts are counted under the same key, so one IIN tried
# at both doors is one count and one lock. Public: ``door_login_attempt_fail``,
# ``door_login_attempt_refuse``, ``door_login_attempt_succeed``.


def door_login_attempt_fail(*, door: str, login: str, ip: str | None, reason: str) -> Lock | None:
    """Record and audit a failed attempt at ``door``; return the lock it set off, if any."""
    with transaction.atomic():
        attempt = LoginAttempt.objects.create(username=login_key(login), ip=ip, succeeded=False)
        target = _account(login) or attempt
        audit_record(
            actor=None,
            action="login_failed",
            target=target,
            remark=f"{door} login “{_shown(login)}” from {ip or 'unknown address'}: {reason}",
            succeeded=False,
        )
        lock = login_lock_find(login=login, ip=ip)
        if lock is not None and lock.cause.pk == attempt.pk:
            audit_record(
                actor=None,
                action="login_locked",
                target=target,
                remark=(
                    f"{door} login “{_shown(login)}” from {ip or 'unknown address'} locked "
                    f"until {lock.until.isoformat(timespec='seconds')} after repeated failures"
                ),
                succeeded=False,
            )
            return lock
    return None


def door_login_attempt_refuse(*, door: str, login: str, ip: str | None, lock: Lock) -> None:
    """Audit an attempt at ``door`` refused by a running lock (the password was not checked)."""
    audit_record(
        actor=None,
        action="login_locked",
        target=_account(login) or lock.cause,
        remark=(
            f"{door} login “{_shown(login)}” from {ip or 'unknown address'} refused: "
            f"locked until {lock.until.isoformat(timespec='seconds')}"
        ),
        succeeded=False,
    )


def door_login_attempt_succeed(*, door: str, user: User, login: str, ip: str | None) -> None:
    """Record and audit a successful login at ``door``; it resets the count for the login."""
    with transaction.atomic():
        LoginAttempt.objects.create(username=login_key(login), ip=ip, succeeded=True)
        audit_record(
            actor=user, action="login", target=user, remark=f"{door} login from {ip or 'unknown address'}"
        )
