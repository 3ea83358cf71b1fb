#!/usr/bin/env bash
# Run every molecule scenario (what `make test` and CI run), at most
# MOLECULE_JOBS (default 2) at a time, longest first. Each scenario has its
# own containers, test network and git host (DJSTACK_TEST_PREFIX or its own
# platform names), so they cannot disturb each other's state; but they share
# the machine's 2 cores. With three at a time, one scenario's deploys
# starved the site another was measuring under load (ci53, ci54: requests
# that timed out while the load generator itself ran on time), so two.
# Every scenario's output is kept in build/logs/molecule-<name>.log; the
# last lines of a failed one and its failed tasks (with what Ansible
# reported) are printed at the end, where a CI log's tail shows them.
# Exit status: non-zero if any scenario failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit

logs=build/logs
mkdir -p "$logs"
rm -f "$logs"/molecule-*.log "$logs"/faults.*
jobs_max=${MOLECULE_JOBS:-2}
# Longest first, so that the last ones to start are short.
# MOLECULE_SCENARIOS (space-separated) runs others, e.g. one scenario.
read -r -a scenarios <<<"${MOLECULE_SCENARIOS:-fleet backup default faults tutorial}"
for name in "${scenarios[@]}"; do
  [[ -f molecule/$name/molecule.yml ]] || { echo "no scenario molecule/$name" >&2; exit 2; }
done

declare -A rc_of began
start=$SECONDS
running=0
for name in "${scenarios[@]}"; do
  while ((running >= jobs_max)); do
    wait -n
    running=$((running - 1))
  done
  echo "=== $(date +%T) molecule test -s $name"
  began[$name]=$SECONDS
  (
    # Scenarios have fixed container names: a run of the same scenario from
    # another checkout on this machine waits for this one (and vice versa).
    flock "/tmp/djstack-scenario-$name.lock" molecule test -s "$name" >"$logs/molecule-$name.log" 2>&1
    echo $? >"$logs/molecule-$name.rc"
    echo "=== $(date +%T) $name done (rc $(cat "$logs/molecule-$name.rc"), $((SECONDS - ${began[$name]})) s)"
  ) &
  running=$((running + 1))
done
wait

# Print each failed task of a scenario's log: its name and the first lines of
# what Ansible reported, without colour codes.
failed_tasks() {
  sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^ *│ \?//' "$logs/molecule-$1.log" | awk -v scenario="$1" '
    /^TASK \[/ { task = $0 }
    /^(fatal|failed): \[/ { n = 12; printf "--- %s: %s\n", scenario, task }
    n > 0 { print substr($0, 1, 400); n-- }'
}

# The slowest steps of a scenario, from profile_tasks' summaries (molecule
# wraps them: "<task> -----" on one line, "  12.34s" on the next).
slowest_steps() {
  sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^ *│ \?//' "$logs/molecule-$1.log" | awk '
    / ---+$/ { task = $0; sub(/ ---+$/, "", task); next }
    task != "" && /^ *[0-9.]+s$/ { t = $1; sub(/s$/, "", t); printf "%8.1f s  %s\n", t, task }
    { task = "" }' | sort -nr | head -n 8
}

for name in "${scenarios[@]}"; do
  echo "=== the slowest steps of the $name scenario"
  slowest_steps "$name"
done

echo "=== the fault cases (faults scenario)"
cat "$logs/faults.md" 2>/dev/null || echo "(no table: $logs/faults.md is missing)"
failed=0
summary=()
for name in "${scenarios[@]}"; do
  rc_of[$name]=$(cat "$logs/molecule-$name.rc" 2>/dev/null || echo 1)
  summary+=("$name rc=${rc_of[$name]}")
  if ((rc_of[$name] != 0)); then
    failed=1
    echo "=== molecule test -s $name failed; last lines of $logs/molecule-$name.log:"
    tail -n 120 "$logs/molecule-$name.log"
    echo "=== failed tasks in the $name scenario:"
    failed_tasks "$name"
  fi
done
echo "=== molecule: ${summary[*]}; $jobs_max at a time; total $((SECONDS - start)) s"
exit "$failed"
