#!/usr/bin/env python3
"""Rerun figures on the local sandbox (make demo first): the median of N runs
of each variant, the variants alternated within each round so that they
share the machine's load.

  no-op rerun (changed=0), for each variant:
    fast        ansible.cfg as shipped: mitogen + fast_rerun skipping
    linear      ANSIBLE_STRATEGY=linear (plain Ansible) + fast_rerun
    full        mitogen, -e full_run=true (every role applied)
    linear-full plain Ansible, every role applied (what a rerun cost before)
  update       a new commit of app/ under 60 req/s (bench-update.py): wall time and the time
               until the new release serves, fast vs linear
  fresh        (--fresh) sandbox removed and created again, then deploy.yml
               until the site serves

Prints a table and saves build/bench/rerun.json with the commit and date.
Loopback only.
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "lib"))
import importlib.util  # noqa: E402

import djstack_test  # noqa: E402  (tests/lib: the recap from the JSON callback)

_spec = importlib.util.spec_from_file_location("bench_update", pathlib.Path(__file__).with_name("bench-update.py"))
bench_update = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_update)

ROOT = bench_update.ROOT
OUT = bench_update.OUT
PLAYBOOK = ["ansible-playbook", "-i", "inventory/sandbox", "deploy.yml"]
VARIANTS = {
    "fast": ({}, []),
    "linear": ({"ANSIBLE_STRATEGY": "linear"}, []),
    "full": ({}, ["-e", "full_run=true"]),
    "linear-full": ({"ANSIBLE_STRATEGY": "linear"}, ["-e", "full_run=true"]),
}


def run(extra, env_extra):
    """deploy.yml on the sandbox (PLAYBOOK with extra arguments): wall time and its recap, all hosts added up."""
    done = djstack_test.run_playbook(PLAYBOOK[-1], PLAYBOOK[2], extra, cwd=ROOT, env=dict(os.environ, **env_extra))
    return {"rc": done.rc, "wall_s": done.seconds, "changed": done.changed(),
            "failed_tasks": sum(s["failed"] for s in (done.recap or {}).values())}


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant (default 3)")
    parser.add_argument("--fresh", action="store_true", help="also time a fresh sandbox to a live site")
    parser.add_argument("--skip-update", action="store_true", help="no update runs")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    noop = {name: [] for name in VARIANTS}
    updates = {"fast": [], "linear": []}
    for round_no in range(args.runs):
        for name, (env, extra) in VARIANTS.items():
            figure = run(extra, env)
            noop[name].append(figure)
            print(f"round {round_no + 1} no-op {name:<12} {figure['wall_s']:>6} s "
                  f"changed={figure['changed']} rc={figure['rc']}", flush=True)
        if not args.skip_update:
            for name in updates:
                env, _ = VARIANTS[name]
                new = bench_update.publish(f"rerun-{name}-{round_no}")
                os.environ.update(env)
                try:
                    figure = bench_update.under_load(f"update-{name}-{round_no}", PLAYBOOK, new)
                finally:
                    for key in env:
                        os.environ.pop(key, None)
                updates[name].append(figure)
                print(f"round {round_no + 1} update {name:<11} {figure['wall_s']:>6} s, serving after "
                      f"{figure['new_version_serving_after_s']} s, {figure['failed_requests']} failed of "
                      f"{figure['requests']}", flush=True)
    fresh = []
    if args.fresh:
        for _ in range(args.runs):
            subprocess.run(["ansible-playbook", "playbooks/sandbox.yml", "-e", "sandbox_state=absent"], cwd=ROOT,
                           check=True, capture_output=True)
            # The removed sandbox's Docker volume is written back to disk
            # first, not during the timed deploy's image load.
            os.sync()
            time.sleep(5)
            start = time.monotonic()
            subprocess.run(["ansible-playbook", "playbooks/sandbox.yml"], cwd=ROOT, check=True, capture_output=True)
            sandbox = round(time.monotonic() - start, 1)
            figure = run([], {})
            figure["sandbox_s"] = sandbox
            fresh.append(figure)
            print(f"fresh: sandbox {sandbox} s, deploy {figure['wall_s']} s rc={figure['rc']}", flush=True)
    report = {
        "runs": args.runs,
        "noop": {name: {"median_wall_s": median(f["wall_s"] for f in runs), "runs": runs}
                 for name, runs in noop.items()},
        "update": {name: {"median_wall_s": median(f["wall_s"] for f in runs),
                          "median_serving_after_s": median(f["new_version_serving_after_s"] for f in runs),
                          "failed_requests": sum(f["failed_requests"] for f in runs), "runs": runs}
                   for name, runs in updates.items() if runs},
        "fresh": {"median_deploy_s": median(f["wall_s"] for f in fresh), "runs": fresh} if fresh else None,
    }
    saved = bench_update.bench_record.save("rerun", report, OUT)
    print(f"\n{'figure':<32}{'median s':>10}")
    for name, figure in report["noop"].items():
        print(f"{'no-op ' + name:<32}{figure['median_wall_s']:>10}")
    for name, figure in report["update"].items():
        print(f"{'update ' + name + ' (wall)':<32}{figure['median_wall_s']:>10}")
        print(f"{'update ' + name + ' (serving after)':<32}{str(figure['median_serving_after_s']):>10}"
              f"   failed requests: {figure['failed_requests']}")
    if report["fresh"]:
        print(f"{'fresh sandbox deploy':<32}{report['fresh']['median_deploy_s']:>10}")
    print(f"saved {saved} (scripts/gen-figures.py --add {saved} puts it in docs/performance.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
