#!/usr/bin/env bash
# Stop the throwaway PostgreSQL cluster started by pg-start.sh.
set -uo pipefail
PORT="${PGPORT:-55432}"
DATA="${PGDATA_DIR:-/tmp/pipeline-pg-$PORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$BIN/pg_ctl -D $DATA -m fast stop"; else "$BIN/pg_ctl" -D "$DATA" -m fast stop; fi
