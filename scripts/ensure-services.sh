#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer,
# starting them when they do not. Nothing is created inside the servers:
# pytest-django creates its own test_<name> database.
#
# PostgreSQL: starts the existing Debian cluster "main" (newest version under
# /etc/postgresql); when there is none, creates one on port 5432 with trust
# auth for 127.0.0.1 (only for a cluster created here; an existing cluster's
# pg_hba.conf is never touched).
# Redis: starts a throwaway daemon with no persistence.
#
# Environment: SERVICES_TIMEOUT (seconds to wait for each server, default 30).
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
TIMEOUT=${SERVICES_TIMEOUT:-30}

log() { printf '[ensure-services] %s\n' "$*"; }
die() { printf '[ensure-services] error: %s\n' "$*" >&2; exit 1; }

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    SUDO=()
fi

for cmd in pg_isready pg_ctlcluster pg_createcluster redis-server redis-cli; do
    command -v "$cmd" >/dev/null 2>&1 \
        || die "$cmd not found; run scripts/install-debian-packages.sh first"
done

pg_up() { pg_isready -q -U postgres -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }
redis_up() {
    [[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

# wait_for NAME CHECK_FUNCTION: poll once a second for up to $TIMEOUT seconds.
wait_for() {
    local name=$1 check=$2 waited=0
    until "$check"; do
        if ((waited >= TIMEOUT)); then
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "$name answers (waited ${waited}s)"
}

# --- PostgreSQL -------------------------------------------------------------

start_postgres() {
    local version="" v created=0
    if [[ -d /etc/postgresql ]]; then
        # Newest version that has a "main" cluster.
        for v in $(ls /etc/postgresql | sort -rV); do
            if [[ -f /etc/postgresql/$v/main/postgresql.conf ]]; then
                version=$v
                break
            fi
        done
    fi

    if [[ -z "$version" ]]; then
        version=$(ls /usr/lib/postgresql 2>/dev/null | sort -rV | head -n1 || true)
        [[ -n "$version" && -x /usr/lib/postgresql/$version/bin/postgres ]] \
            || die "no PostgreSQL server installed under /usr/lib/postgresql"
        log "PostgreSQL: no cluster found; creating $version/main on port $PG_PORT"
        "${SUDO[@]}" pg_createcluster --port "$PG_PORT" --encoding UTF8 \
            --locale C.UTF-8 "$version" main
        local hba=/etc/postgresql/$version/main/pg_hba.conf
        log "PostgreSQL: trusting local TCP connections from $PG_HOST in $hba"
        # pg_hba.conf is first-match: put the trust line before every other rule.
        "${SUDO[@]}" sh -c "{ printf '%s\n' \
            '# Added by scripts/ensure-services.sh (development/CI cluster only).' \
            'host    all    all    127.0.0.1/32    trust'; cat '$hba'; } > '$hba.new' \
            && chown --reference='$hba' '$hba.new' && chmod --reference='$hba' '$hba.new' \
            && mv '$hba.new' '$hba'"
        created=1
    fi

    # The socket directory lives on tmpfs in many containers and may be gone.
    if [[ ! -d /var/run/postgresql ]]; then
        "${SUDO[@]}" install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    fi

    log "PostgreSQL: starting cluster $version/main"
    "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start \
        || log "PostgreSQL: pg_ctlcluster start returned non-zero (checking anyway)"
    if ((created)); then
        PG_ACTION="created cluster $version/main and started it"
    else
        PG_ACTION="started cluster $version/main"
    fi
}

PG_ACTION="already running"
if pg_up; then
    log "PostgreSQL: already answering on $PG_HOST:$PG_PORT"
else
    # Exit status 1 means "rejecting connections" (starting up): just wait.
    rc=0
    pg_isready -q -U postgres -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1 || rc=$?
    if ((rc == 1)); then
        log "PostgreSQL: starting up already; waiting"
        PG_ACTION="was starting up"
    else
        start_postgres
    fi
fi
wait_for PostgreSQL pg_up \
    || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT after ${TIMEOUT}s (see /var/log/postgresql/)"

# --- Redis ------------------------------------------------------------------

REDIS_ACTION="already running"
if redis_up; then
    log "Redis: already answering on $REDIS_HOST:$REDIS_PORT"
else
    log "Redis: starting redis-server on $REDIS_HOST:$REDIS_PORT (no persistence)"
    redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
        --save "" --appendonly no
    REDIS_ACTION="started"
fi
wait_for Redis redis_up \
    || die "Redis does not answer on $REDIS_HOST:$REDIS_PORT after ${TIMEOUT}s"

log "summary: PostgreSQL $PG_HOST:$PG_PORT $PG_ACTION; Redis $REDIS_HOST:$REDIS_PORT $REDIS_ACTION"
