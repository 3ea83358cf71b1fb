#!/usr/bin/env python3
"""Fleet figures on the fleet scenario's test hosts (lb1, web1, web2, db1),
beside the local sandbox's single host, the runs alternated so that they
share the machine's load:

  no-op      deploy.yml with nothing new (changed=0), the fleet vs the sandbox:
             the median of N runs each and their ratio (goal <= 1.5x)
  update     deploy.yml of a new commit (cached layers, no load), the fleet
             vs the sandbox: the median of N runs each and their ratio
             (goal <= 1.5x); --no-update skips it
  throughput closed-loop GETs of the home page from lb1, at the same
             concurrency, through HAProxy (lb1's address; HTTPS when lb1
             terminates it, unverified: a bench) and straight to web1's
             nginx (open to lb1 only): requests/s and latency

Needs a converged fleet and the sandbox:
  molecule converge -s fleet && make demo
  scripts/bench-fleet.py [--runs 3] [--no-update] [--inventory <molecule's fleet inventory>]
Prints a table and saves build/bench/fleet.json with the commit and date.
Test hosts and loopback only.
"""
import argparse
import glob
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

import bench_record

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
sys.path.insert(0, str(ROOT / "tests" / "lib"))
import djstack_test  # noqa: E402  (tests/lib: the recap from the JSON callback)


def find_inventory() -> str:
    found = sorted(glob.glob(os.path.expanduser("~/.ansible/tmp/molecule.*.fleet/inventory")), key=os.path.getmtime)
    if not found:
        sys.exit("No fleet scenario inventory found: run `molecule converge -s fleet` first, or pass --inventory.")
    return found[-1]


def test_host_env(inventory: str) -> dict:
    """The environment molecule gives its test hosts' inventory: its lookups
    read the scenario's directory, and the hosts' keys change with every
    create (the sandbox keeps its own known_hosts)."""
    if "inventory/sandbox" in inventory:
        return dict(os.environ)
    return dict(os.environ, MOLECULE_EPHEMERAL_DIRECTORY=str(pathlib.Path(inventory).parent),
                ANSIBLE_HOST_KEY_CHECKING="False")


def deploy(inventory: str) -> dict:
    """deploy.yml: wall time and its recap (the test library's JSON callback), all hosts added up."""
    done = djstack_test.run_playbook("deploy.yml", inventory, cwd=ROOT, env=test_host_env(inventory))
    stats = (done.recap or {}).values()
    return {"rc": done.rc, "wall_s": done.seconds, "hosts": len(stats),
            "tasks_ok": sum(h["ok"] for h in stats),
            "changed": sum(h["changed"] for h in stats), "failed": sum(h["failed"] for h in stats)}


def publish(repo: pathlib.Path, label: str) -> str:
    """app/ as the next commit of a test repository (a new release)."""
    src = OUT / f"src-{label}"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(ROOT / "app", src, ignore=shutil.ignore_patterns("__pycache__", "db.sqlite3"))
    (src / "BENCH_STAMP").write_text(f"{label} {time.time()}\n")
    run = subprocess.run([str(ROOT / "scripts/publish-app-repo.sh"), str(src), str(repo), f"Bench {label}"],
                         check=True, capture_output=True, text=True)
    return run.stdout.split()[-1]


def throughput(inventory: str, lb: str, url: str, domain: str, concurrency: int, seconds: int) -> dict:
    env = dict(test_host_env(inventory), ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
    insecure = " --insecure" if url.startswith("https:") else ""
    run = subprocess.run(
        ["ansible", lb, "-i", inventory, "-m", "ansible.builtin.script",
         "-a", f"{ROOT}/tests/throughput.py --url {url} --host {domain}{insecure} "
               f"--concurrency {concurrency} --seconds {seconds} executable=python3"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    result = json.loads(run.stdout)["plays"][0]["tasks"][0]["hosts"][lb]
    if result.get("rc", 1) != 0:
        sys.exit(f"throughput on {lb} failed: {result.get('stderr') or result.get('msg')}")
    return json.loads(result["stdout"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="no-op runs of each (default 3)")
    parser.add_argument("--inventory", help="the fleet's inventory (default: molecule's fleet scenario)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--no-sandbox", action="store_true", help="time the fleet only")
    parser.add_argument("--no-update", action="store_true", help="skip the update figures")
    args = parser.parse_args()
    inventory = args.inventory or find_inventory()

    listing = json.loads(subprocess.run(["ansible-inventory", "-i", inventory, "--list"], cwd=ROOT,
                                        env=test_host_env(inventory), stdout=subprocess.PIPE, text=True,
                                        check=True).stdout)
    hostvars = listing["_meta"]["hostvars"]
    lb, web1 = listing["django_lb"]["hosts"][0], listing["django"]["hosts"][0]
    domain = hostvars[web1]["django_stack_domains"][0]

    noop = {"fleet": [], "single": []}
    for round_no in range(1, args.runs + 1):
        for name, inv in (("fleet", inventory), ("single", None if args.no_sandbox else "inventory/sandbox")):
            if inv is None:
                continue
            figure = deploy(inv)
            print(f"round {round_no} {name}: {figure}", flush=True)
            if figure["rc"] != 0 or figure["changed"] != 0:
                sys.exit(f"the {name} no-op run did not end with changed=0: {figure}")
            noop[name].append(figure)

    update = {"fleet": [], "single": []}
    repos = {"fleet": pathlib.Path(inventory).parent / "git" / "app.git", "single": ROOT / "build/sandbox/git/app.git"}
    for round_no in range(1, 0 if args.no_update else args.runs + 1):
        for name, inv in (("fleet", inventory), ("single", None if args.no_sandbox else "inventory/sandbox")):
            if inv is None:
                continue
            commit = publish(repos[name], f"{name}-{round_no}")
            figure = dict(deploy(inv), commit=commit[:12])
            print(f"round {round_no} {name} update: {figure}", flush=True)
            if figure["rc"] != 0 or figure["failed"] != 0:
                sys.exit(f"the {name} update failed: {figure}")
            update[name].append(figure)

    lb_scheme = "https" if hostvars[lb].get("django_lb_https") else "http"
    through = {
        "lb": throughput(inventory, lb, f"{lb_scheme}://{hostvars[lb]['ansible_host']}/", domain,
                         args.concurrency, args.seconds),
        "web1_nginx": throughput(inventory, lb, f"http://{hostvars[web1]['ansible_host']}/", domain,
                                 args.concurrency, args.seconds),
    }

    med = {name: statistics.median(f["wall_s"] for f in runs) for name, runs in noop.items() if runs}
    upd = {name: statistics.median(f["wall_s"] for f in runs) for name, runs in update.items() if runs}
    result = {
        "noop_median_s": med,
        "noop_ratio_fleet_vs_single": round(med["fleet"] / med["single"], 2) if "single" in med else None,
        "noop_runs": noop,
        "update_median_s": upd,
        "update_ratio_fleet_vs_single": round(upd["fleet"] / upd["single"], 2) if "single" in upd else None,
        "update_runs": update,
        "throughput": through,
        "throughput_ratio_lb_vs_web1": round(through["lb"]["rps"] / through["web1_nginx"]["rps"], 2),
    }
    saved = bench_record.save("fleet", result, OUT)

    print(f"\n{'figure':<48} {'value':>12}")
    print(f"{'no-op rerun, fleet (4 hosts), median':<48} {med['fleet']:>10.1f} s")
    if "single" in med:
        print(f"{'no-op rerun, sandbox (1 host), median':<48} {med['single']:>10.1f} s")
        print(f"{'fleet / single (goal <= 1.5)':<48} {result['noop_ratio_fleet_vs_single']:>12}")
    if "fleet" in upd:
        print(f"{'update (new commit), fleet, median':<48} {upd['fleet']:>10.1f} s")
    if "single" in upd:
        print(f"{'update (new commit), sandbox, median':<48} {upd['single']:>10.1f} s")
        print(f"{'fleet / single (goal <= 1.5)':<48} {result['update_ratio_fleet_vs_single']:>12}")
    for name, figure in through.items():
        print(f"{'requests/s from lb1 via ' + name + f' (c={args.concurrency})':<48} {figure['rps']:>12}"
              f"  p99 {figure['p99_ms']} ms, errors {figure['errors']}")
    print(f"saved {saved} (scripts/gen-figures.py --add {saved} puts it in docs/performance.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
