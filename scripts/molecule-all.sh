#!/usr/bin/env bash
# Run every molecule scenario (what `make test` and CI run), two at a time
# where they cannot disturb each other:
#   default  +  tutorial   in parallel (own containers and networks)
#   update                 alone afterwards (its zero-failed-requests load
#                          tests should not compete for the CPU)
# The parallel scenario's output goes to build/logs/molecule-<name>.log and is
# printed when it fails. Exit status: non-zero if any scenario failed.
set -uo pipefail
cd "$(dirname "$0")/.."

logs=build/logs
mkdir -p "$logs"
declare -A took

run() {
  local name="$1" start=$SECONDS rc
  molecule test -s "$name"
  rc=$?
  took[$name]=$((SECONDS - start))
  return "$rc"
}

start=$SECONDS
molecule test -s tutorial >"$logs/molecule-tutorial.log" 2>&1 &
tutorial_pid=$!

run default
default_rc=$?

wait "$tutorial_pid"
tutorial_rc=$?
took[tutorial]=$((SECONDS - start))
if ((tutorial_rc != 0)); then
  echo "=== molecule test -s tutorial failed; last lines of $logs/molecule-tutorial.log:"
  tail -n 150 "$logs/molecule-tutorial.log"
fi

update_rc=1
if ((default_rc == 0 && tutorial_rc == 0)); then
  run update
  update_rc=$?
else
  echo "=== skipping the update scenario: an earlier scenario failed"
fi

echo "=== molecule: default rc=$default_rc (${took[default]:-?} s), tutorial rc=$tutorial_rc (${took[tutorial]:-?} s, in parallel)," \
  "update rc=$update_rc (${took[update]:-?} s); total $((SECONDS - start)) s"
((default_rc == 0 && tutorial_rc == 0 && update_rc == 0))
