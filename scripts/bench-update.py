#!/usr/bin/env python3
"""Benchmark "rerun for updates" on the local sandbox (make demo first).

Publishes a new commit of app/, reruns deploy.yml while tests/loadgen.py
requests the site on 127.0.0.1:8080 (open loop, the home page and the page
that reads and writes rows: --db; every exception, timeout or non-2xx answer
counts as failed), then a no-op rerun, a rollback under
load, and for comparison a plain `docker compose up -d --force-recreate` of
the serving app container under load. Prints the figures and saves them,
with the commit and date, to build/bench/update.json. Loopback only; every
step is bounded in time.
"""
import json
import pathlib
import shutil
import subprocess
import sys
import time
import urllib.request

import bench_record

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "lib"))
import djstack_test  # noqa: E402  (tests/lib: the recap from the JSON callback)

OUT = ROOT / "build" / "bench"
URL, HOST, RATE = "http://127.0.0.1:8080/", "django.localhost", 60
SSH = ["ssh", "-i", str(ROOT / "build/sandbox/id_ed25519"), "-p", "2200",
       "-o", f"UserKnownHostsFile={ROOT / 'build/sandbox/known_hosts'}", "deploy@127.0.0.1"]


def served_release() -> str:
    request = urllib.request.Request(URL + "healthz/", headers={"Host": HOST})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)["release"]


def publish(label: str) -> str:
    src = OUT / f"src-{label}"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(ROOT / "app", src, ignore=shutil.ignore_patterns("__pycache__", "db.sqlite3"))
    (src / "BENCH_STAMP").write_text(f"{label} {time.time()}\n")
    result = subprocess.run([str(ROOT / "scripts/publish-app-repo.sh"), str(src),
                             str(ROOT / "build/sandbox/git/app.git"), f"Bench {label}"],
                            check=True, capture_output=True, text=True)
    return result.stdout.split()[-1]


def under_load(name: str, argv: list[str], new_release: str | None = None) -> dict:
    stop = OUT / f"stop-{name}"
    stop.unlink(missing_ok=True)
    out = OUT / f"load-{name}.json"
    load = subprocess.Popen([sys.executable, str(ROOT / "tests/loadgen.py"), "--url", URL, "--host", HOST, "--db",
                             "--rate", str(RATE), "--duration", "600", "--stop-file", str(stop),
                             "--out", str(out)], stdout=subprocess.DEVNULL)
    time.sleep(2)
    start = time.monotonic()
    # The output goes to a file (a pipe nobody reads would block a long run);
    # the recap per host comes from the test library's JSON callback.
    log = OUT / f"run-{name}.log"
    recap_file = OUT / f"recap-{name}.json"
    recap_file.unlink(missing_ok=True)
    with log.open("w") as log_file:
        run = subprocess.Popen(argv, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, text=True,
                               env=djstack_test.playbook_env(None, recap_file))
    serving_after = None
    while run.poll() is None or (new_release and serving_after is None and time.monotonic() - start < 600):
        if new_release and serving_after is None:
            try:
                if served_release() == new_release:
                    serving_after = round(time.monotonic() - start, 1)
            except OSError:
                pass
        time.sleep(0.25)
    wall = round(time.monotonic() - start, 1)
    time.sleep(2)
    stop.touch()
    load.wait(timeout=30)  # exits 1 when a request failed: the figures say so
    result = json.loads(out.read_text())
    stats = djstack_test.recap(json.loads(recap_file.read_text())).values() if recap_file.exists() else []
    return {"step": name, "rc": run.returncode, "wall_s": wall, "new_version_serving_after_s": serving_after,
            "changed": sum(h["changed"] for h in stats), "failed_tasks": sum(h["failed"] for h in stats),
            "recap": "read" if recap_file.exists() else "missing (the run ended before its recap)",
            "requests": result["sent"], "failed_requests": result["failed"], "rate": result["rate"],
            "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"], "statuses": result["statuses"],
            "per_path": result["per_path"], "releases": result["releases"]}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    playbook = ["ansible-playbook", "-i", "inventory/sandbox"]
    before = served_release()
    figures = []
    new = publish("update")
    figures.append(under_load("update", playbook + ["deploy.yml"], new))
    figures.append(under_load("noop-rerun", playbook + ["deploy.yml"]))
    figures.append(under_load("rollback",
                              playbook + ["playbooks/rollback.yml", "-e", f"rollback_release={before[:12]}"],
                              before))
    slot = json.loads(subprocess.run(SSH + ["sudo", "cat", "/srv/mysite/releases.json"], check=True,
                                     capture_output=True, text=True).stdout)["current"]
    figures.append(under_load("plain-compose-recreate",
                              SSH + ["cd /srv/mysite && sudo docker compose up -d --force-recreate --no-deps "
                                     f"--wait app-{slot}"]))
    saved = bench_record.save("update", {"rate_target": RATE, "steps": figures}, OUT)
    print(f"{'step':<24}{'rc':>3}{'wall s':>8}{'serving s':>10}{'changed':>8}{'sent':>7}{'failed':>7}"
          f"{'rate/s':>8}{'p50 ms':>8}{'p99 ms':>8}")
    for f in figures:
        print(f"{f['step']:<24}{f['rc']:>3}{f['wall_s']:>8}{str(f['new_version_serving_after_s'] or '-'):>10}"
              f"{f['changed']:>8}{f['requests']:>7}{f['failed_requests']:>7}{f['rate']:>8}{f['p50_ms']:>8}{f['p99_ms']:>8}")
    print(f"saved {saved} (scripts/gen-figures.py --add {saved} puts it in docs/performance.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
