#!/usr/bin/env bash
# scripts/upgrade-check.sh OLD [SCENARIO]: an existing inventory, upgraded.
#
# 1. deploys the project as it was at commit OLD (roles, playbooks and the
#    scenario's inventory all from OLD) onto SCENARIO's test hosts
#    (default: default), in a worktree of its own;
# 2. upgrades the project to this checkout's HEAD, keeping OLD's molecule/
#    (the user's inventory and host_vars stay as they were), and deploys
#    again: the first rerun after the upgrade;
# 3. deploys once more: this one must change nothing.
# Then the test hosts are destroyed. Prints each run's PLAY RECAP and the
# tasks that changed something; keeps the logs in build/logs/upgrade-*.log.
# Exit status: 0 when the last run changed nothing and no run failed.
#
# Needs what `make test` needs (make venv images); runs one scenario, under
# the same lock as scripts/molecule-all.sh.
set -euo pipefail
old=${1:?usage: scripts/upgrade-check.sh OLD-COMMIT [SCENARIO]}
scenario=${2:-default}
# The scenario's hosts have fixed names: one run of it at a time on this
# machine (scripts/molecule-all.sh takes the same lock).
if [ -z "${DJSTACK_UPGRADE_LOCKED:-}" ]; then
  DJSTACK_UPGRADE_LOCKED=1 exec flock "/tmp/djstack-scenario-$scenario.lock" "$0" "$@"
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
new=$(git -C "$repo" rev-parse HEAD)
old=$(git -C "$repo" rev-parse --verify "$old^{commit}")
logs=$repo/build/logs
mkdir -p "$logs"
work=$(mktemp -d /tmp/djstack-upgrade.XXXXXX)
tree=$work/project

cleanup() {
  (cd "$tree" && molecule destroy -s "$scenario" >"$logs/upgrade-destroy.log" 2>&1) || true
  git -C "$repo" worktree remove --force "$tree" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$repo" worktree add -q --detach "$tree" "$old"
mkdir -p "$tree/build"
ln -sfn "$repo/build/images" "$tree/build/images"
export PATH=$repo/.venv/bin:$PATH ANSIBLE_CONFIG=$tree/ansible.cfg
# Only what changed (and what failed) is shown: the changed tasks are the
# report.
export ANSIBLE_DISPLAY_OK_HOSTS=false ANSIBLE_DISPLAY_SKIPPED_HOSTS=false ANSIBLE_FORCE_COLOR=false

# run STEP: molecule converge, its log in build/logs/upgrade-STEP.log; prints
# the recap and the tasks that changed.
run() {
  local log=$logs/upgrade-$1.log rc=0
  echo "=== $(date +%T) $1: $(git -C "$tree" log -1 --format='%h %s' | cut -c1-72)"
  (cd "$tree" && molecule converge -s "$scenario") >"$log" 2>&1 || rc=$?
  sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^ *│ \?//' "$log" | awk '
    /^(TASK|RUNNING HANDLER) \[/ { task = $0 }
    /^(changed|fatal|failed): \[/ { if (task != last) print "  " task; last = task; print "    " substr($0, 1, 160) }
    /^PLAY RECAP/ { recap = 1; next }
    recap && NF == 0 { recap = 0 }
    recap { print "  recap: " $0 }'
  return "$rc"
}

echo "=== $(date +%T) create the test hosts of scenario $scenario"
(cd "$tree" && molecule create -s "$scenario") >"$logs/upgrade-create.log" 2>&1
run "1-old-$(git -C "$repo" rev-parse --short "$old")"

git -C "$tree" checkout -q "$new"
git -C "$tree" checkout -q "$old" -- molecule
run "2-upgraded-$(git -C "$repo" rev-parse --short "$new")"
run "3-rerun"

changed=$(sed -e 's/\x1b\[[0-9;]*m//g' "$logs/upgrade-3-rerun.log" |
  awk '/^PLAY RECAP/ { r = 1; next } r && /changed=/ { sub(/.*changed=/, ""); sub(/ .*/, ""); s += $0 } END { print s + 0 }')
echo "the rerun after the upgrade's first deploy changed $changed task(s)"
[ "$changed" = 0 ]
