#!/usr/bin/env bash
# Run every molecule scenario (what `make test` and CI run), side by side
# where they cannot disturb each other (own containers and networks):
#   faults                 from the start, in parallel with all the others
#                          (the longest: deploys cut at eight points)
#   default  +  tutorial   in parallel
#   update   +  backup     afterwards, in parallel (backup has its own
#                          prefix djstack-bk and does not need the others)
# Every scenario's output is kept in build/logs/molecule-<name>.log (the
# parallel one is printed only when it fails); the failed tasks of failed
# scenarios are summed up in the last lines, where a CI log's tail shows them.
# Exit status: non-zero if any scenario failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit

logs=build/logs
mkdir -p "$logs"
rm -f "$logs"/molecule-*.log "$logs"/faults.*
declare -A took

run() {
  local name="$1" start=$SECONDS rc
  molecule test -s "$name" 2>&1 | tee "$logs/molecule-$name.log"
  rc=$?
  took[$name]=$((SECONDS - start))
  return "$rc"
}

start=$SECONDS
molecule test -s faults >"$logs/molecule-faults.log" 2>&1 &
faults_pid=$!
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

backup_start=$SECONDS
molecule test -s backup >"$logs/molecule-backup.log" 2>&1 &
backup_pid=$!

update_rc=1
if ((default_rc == 0 && tutorial_rc == 0)); then
  run update
  update_rc=$?
else
  echo "=== skipping the update scenario: an earlier scenario failed"
fi

wait "$backup_pid"
backup_rc=$?
took[backup]=$((SECONDS - backup_start))
if ((backup_rc != 0)); then
  echo "=== molecule test -s backup failed; last lines of $logs/molecule-backup.log:"
  tail -n 150 "$logs/molecule-backup.log"
fi

wait "$faults_pid"
faults_rc=$?
took[faults]=$((SECONDS - start))
echo "=== molecule test -s faults (in parallel): the fault cases"
cat build/logs/faults.md 2>/dev/null || echo "(no table: build/logs/faults.md is missing)"
if ((faults_rc != 0)); then
  echo "=== molecule test -s faults failed; last lines of $logs/molecule-faults.log:"
  tail -n 150 "$logs/molecule-faults.log"
fi

# Print each failed task of a scenario's log: its name and the first lines of
# what Ansible reported, without colour codes.
failed_tasks() {
  sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^ *│ \?//' "$logs/molecule-$1.log" | awk -v scenario="$1" '
    /^TASK \[/ { task = $0 }
    /^(fatal|failed): \[/ { n = 12; printf "--- %s: %s\n", scenario, task }
    n > 0 { print substr($0, 1, 400); n-- }'
}

for name in default tutorial update backup faults; do
  rc_var="${name}_rc"
  if ((${!rc_var} != 0)) && [[ -s $logs/molecule-$name.log ]]; then
    echo "=== failed tasks in the $name scenario:"
    failed_tasks "$name"
  fi
done

echo "=== molecule: default rc=$default_rc (${took[default]:-?} s), tutorial rc=$tutorial_rc (${took[tutorial]:-?} s, in parallel)," \
  "update rc=$update_rc (${took[update]:-?} s), backup rc=$backup_rc (${took[backup]:-?} s, in parallel)," \
  "faults rc=$faults_rc (${took[faults]:-?} s, in parallel); total $((SECONDS - start)) s"
((default_rc == 0 && tutorial_rc == 0 && update_rc == 0 && backup_rc == 0 && faults_rc == 0))
