#!/bin/sh
# Keep one command running: start it, and start it again 2 s after it dies (crash, kill -9, OOM).
# `make run` runs the scheduler under it. SIGTERM/SIGINT/HUP stop the command and this loop.
#   scripts/supervise.sh .venv/bin/flask --app app.py reminders run
[ $# -gt 0 ] || { echo "usage: $0 command [args...]" >&2; exit 2; }
child=""
stopping=""
stop() {
  stopping=1
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
}
trap stop TERM INT HUP
while [ -z "$stopping" ]; do
  "$@" &
  child=$!
  # a stop signal that arrived between the fork and the line above found no child to stop
  [ -n "$stopping" ] && kill -TERM "$child" 2>/dev/null
  # `wait` returns early when a trapped signal arrives; wait again for the child to finish stopping
  rc=0
  while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
  child=""
  [ -n "$stopping" ] && break
  echo "$(date '+%F %T') supervise: '$*' exited ($rc); restarting in 2 s" >&2
  sleep 2
done
exit 0
