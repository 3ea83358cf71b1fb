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
# After 1 and after 3, tests/upgrade-data.yml fingerprints every database of
# the inventory and digests its secrets: the upgrade must keep both.
# Then the test hosts are destroyed. Prints each run's recap per host and
# the tasks that changed something (tests/lib/djstack_test.py recap); keeps
# the logs in build/logs/upgrade-*.log and the recaps in upgrade-*.json.
# Exit status: 0 when the last run changed nothing, no run failed, and the
# data and secrets are those of the old version's deploy.
#
# KEEP=1 leaves the hosts and the worktree for a look.
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
  if [ -n "${KEEP:-}" ]; then
    echo "KEEP: the hosts, $tree and $work stay (molecule destroy -s $scenario there, with" \
      "MOLECULE_EPHEMERAL_DIRECTORY=$work/molecule)"
    return
  fi
  (cd "$tree" && molecule destroy -s "$scenario" >"$logs/upgrade-destroy.log" 2>&1) || true
  git -C "$repo" worktree remove --force "$tree" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$repo" worktree add -q --detach "$tree" "$old"
mkdir -p "$tree/build"
ln -sfn "$repo/build/images" "$tree/build/images"
export PATH=$repo/.venv/bin:$PATH ANSIBLE_CONFIG=$tree/ansible.cfg ANSIBLE_FORCE_COLOR=false
# Each run's recap is read from the test library's JSON callback (its
# document in build/logs/upgrade-STEP.json), not from the PLAY RECAP text.
export ANSIBLE_CALLBACK_PLUGINS=$repo/tests/lib/callback_plugins
# molecule's files for the scenario (its inventory) in a place of our own.
export MOLECULE_EPHEMERAL_DIRECTORY=$work/molecule

# run STEP [--unchanged|--summary]: molecule converge, its log in
# build/logs/upgrade-STEP.log; prints each host's recap and changed tasks
# (--summary: the recap only, for the old version's first deploy).
# Fails when the run failed (or, --unchanged, changed anything).
run() {
  local step=$1 rc=0
  shift
  echo "=== $(date +%T) $step: $(git -C "$tree" log -1 --format='%h %s' | cut -c1-72)"
  (cd "$tree" && DJSTACK_RECAP_JSON=$logs/upgrade-$step.json molecule converge -s "$scenario") \
    >"$logs/upgrade-$step.log" 2>&1 || rc=$?
  python3 "$repo/tests/lib/djstack_test.py" recap "$@" "$logs/upgrade-$step.json" | sed 's/^/  /' || rc=1
  return "$rc"
}

# data record|compare: tests/upgrade-data.yml on the scenario's inventory.
data() {
  echo "=== $(date +%T) data and secrets: $1"
  # molecule's own runs do not check the test hosts' SSH keys either.
  ANSIBLE_HOST_KEY_CHECKING=false ansible-playbook -i "$MOLECULE_EPHEMERAL_DIRECTORY/inventory" "$repo/tests/upgrade-data.yml" \
    -e upgrade_data="$1" -e upgrade_data_file="$logs/upgrade-data.json" >"$logs/upgrade-data-$1.log" 2>&1 || {
    grep -E '^(fatal|failed)|msg' "$logs/upgrade-data-$1.log" | cut -c1-400
    return 1
  }
}

echo "=== $(date +%T) create the test hosts of scenario $scenario"
(cd "$tree" && molecule create -s "$scenario") >"$logs/upgrade-create.log" 2>&1
rm -f "$logs"/upgrade-*.json
run "1-old-$(git -C "$repo" rev-parse --short "$old")" --summary
data record

git -C "$tree" checkout -q "$new"
git -C "$tree" checkout -q "$old" -- molecule
run "2-upgraded-$(git -C "$repo" rev-parse --short "$new")"
run 3-rerun --unchanged
echo "the rerun after the upgrade's first deploy changed nothing"
data compare
echo "the data and the secrets are those of the old version's deploy"
