#!/usr/bin/env python3
"""Fault injection for deploy.yml (molecule scenario `faults`).

Each case publishes a new commit of app/ to the scenario's test git host,
starts `ansible-playbook deploy.yml` under load (tests/loadgen.py at 20
requests/s, open loop, on the home page and the page that reads and writes
rows: every exception, timeout, non-2xx answer or p99 over --max-p99-ms
fails the case), and cuts the run with SIGINT (Ctrl-C: the
whole foreground process group) or SIGKILL (a closed laptop) when a given
task starts. Then:
  - a rerun must converge in one run and serve the new commit,
  - a second rerun must report changed=0,
  - rollback.yml (in check mode) must pick the release that served before
    the last switch,
  - and no request may have failed while a run could touch what serves
    (the cut run, the rerun, a real rollback).
Also: two deploys started together (the second waits for the deploy lock:
both succeed, one after the other), a build failure, and preflight
refusals (a duplicated domain, a commit that does not exist).

Prints a table (case | failed/total | runs to converge | message) and saves
it as JSON; exits 1 if any case failed. Only the scenario's own test host is
reached (loadgen refuses anything else).
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import djstack_test  # noqa: E402  (tests/lib: run a playbook, publish a commit, run load)


class Faults:
    def __init__(self, args):
        self.args = args
        self.results = []
        self.failures = []
        self.env = dict(os.environ, ANSIBLE_FORCE_COLOR="false", ANSIBLE_NOCOLOR="true",
                        ANSIBLE_CONFIG=os.path.join(args.project, "ansible.cfg"),
                        # molecule's inventory keeps no host keys
                        # (UserKnownHostsFile=/dev/null); mitogen checks them
                        # by Ansible's setting, not by the ssh options.
                        ANSIBLE_HOST_KEY_CHECKING="False",
                        PYTHONUNBUFFERED="1")
        self.repo = os.path.join(args.work, "git", "app.git")
        self.migrations = {}  # path -> text of the migrations published so far
        self.last_migration = "0001_initial"

    # --- helpers -----------------------------------------------------------
    def log(self, *parts):
        print(time.strftime("%H:%M:%S"), *parts, flush=True)

    def host(self, *argv, check=True):
        """A command on the test host (a local container), from outside."""
        out = self.host_run(*argv)
        if check and out.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(argv), out.stderr.strip()))
        return out.stdout

    def host_run(self, *argv):
        return subprocess.run(["docker", "exec", self.args.host] + list(argv),
                              capture_output=True, text=True, check=False)

    def record(self):
        return json.loads(self.host("cat", "/srv/mysite/releases.json"))

    def health(self):
        import urllib.request
        req = urllib.request.Request("http://%s/healthz/" % self.args.site_ip,
                                     headers={"Host": self.args.domain})
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    def publish(self, name, files=None, requirements_extra=""):
        # Every release carries the migrations of the releases before it.
        self.migrations.update({k: v for k, v in (files or {}).items() if "/migrations/" in k})
        # Every release differs (a file in the image names it).
        release_files = dict(self.migrations, **(files or {}), **{"templates/release-name.txt": name + "\n"})
        src = djstack_test.assemble(os.path.join(self.args.work, "src-" + name), os.path.join(self.args.project, "app"),
                                    files=release_files,
                                    appends={"requirements.txt": requirements_extra} if requirements_extra else None)
        return djstack_test.publish(src, self.repo, "Release " + name)

    def play(self, playbook, extra=(), kill_at=None, delay=0.0, sig=None, name="run"):
        """Run a playbook (tests/lib: its recap from the JSON callback); cut it
        when a line matches kill_at. Returns (Run, cut)."""
        timers = []

        def watch(line, proc):
            if kill_at and not timers and re.search(kill_at, line):
                def fire():
                    # Ctrl-C: Ansible sometimes swallows a single SIGINT (it
                    # lands in a weakref callback); a user presses it again.
                    for _ in range(1 if sig == signal.SIGKILL else 5):
                        try:
                            os.killpg(proc.pid, sig)
                        except ProcessLookupError:
                            return
                        time.sleep(1.0)
                timers.append(threading.Timer(delay, fire))
                timers[0].start()

        done = djstack_test.run_playbook(os.path.join(self.args.project, playbook), self.args.inventory, extra,
                                         cwd=self.args.project, env=self.env, on_line=watch,
                                         log=os.path.join(self.args.work, "faults-%s.log" % name))
        for timer in timers:
            timer.join()
        return done, bool(timers)

    def load_start(self, name):
        return djstack_test.Load("http://%s/" % self.args.site_ip, self.args.domain, self.args.work, name,
                                 rate=self.args.rate, duration=900,
                                 options=("--db", "--max-p99-ms", str(self.args.max_p99_ms))).start()

    @staticmethod
    def load_stop(load):
        """Stop a load and return its result (loadgen exits 1 when its verdict fails)."""
        return load.stop(timeout=60)

    @staticmethod
    def load_summary(results):
        """The loads of one case as one: counts added, every problem kept."""
        statuses = {}
        for result in results:
            for outcome, count in result["statuses"].items():
                statuses[outcome] = statuses.get(outcome, 0) + count
        return {"ok": bool(results) and all(r["ok"] for r in results),
                "failed": sum(r["failed"] for r in results), "sent": sum(r["sent"] for r in results),
                "statuses": statuses, "p99_ms": max((r["p99_ms"] or 0 for r in results), default=None),
                "problems": [p for r in results for p in r["problems"]],
                "first_failures": [f for r in results for f in r["first_failures"]]}

    def check_load(self, case, load_result):
        return self.check(case, load_result["ok"], "the load check failed: %s; first failures %s"
                          % ("; ".join(load_result["problems"]) or "no load ran", load_result["first_failures"][:3]))

    def check(self, case, condition, message):
        if not condition:
            self.failures.append("%s: %s" % (case, message))
            self.log("FAIL", case, message)
        return condition

    @staticmethod
    def noop_problem(run):
        """Why a rerun that should change nothing did not (None when it did not)."""
        if run.unchanged():
            return None
        return "rc %d, recap %s, changed tasks %s, failures %s" % (
            run.rc, run.recap, run.changed_tasks, [f["task"] for f in run.failures])

    # --- the cases ---------------------------------------------------------
    def interrupted(self, case, sig, kill_at, delay, files=None):
        name = "%s-%s" % (case, sig.name.lower())
        commit = self.publish(name, files)
        before = self.health()["release"]
        # Under load: the cut run and the rerun that repairs it, and a real
        # rollback. The changed=0 rerun and the rollback plan (check mode)
        # run without it: they change nothing that serves (the recap says so).
        loads, results = [self.load_start(name)], []
        try:
            done, cut = self.play("deploy.yml", kill_at=kill_at, delay=delay, sig=sig, name=name + "-cut")
            out = done.out
            self.check(name, cut, "the run never reached %r" % kill_at)
            self.check(name, "TASK [Summarise the deploy]" not in out, "the cut run went on to the end")
            after_cut = self.health()["release"]
            runs, message = 0, ""
            # The rerun starts at once (a migration of the cut run may still
            # run on the host: the rerun must wait for it, not migrate again).
            for runs in (1, 2):
                done, _ = self.play("deploy.yml", name="%s-rerun%d" % (name, runs))
                rc, out = done.rc, done.out
                if rc == 0:
                    break
            message = "; ".join(label for label, pattern in (
                ("waited for the lock", r"RETRYING: .*Wait for the deploy lock"),
                ("took over the lock of the gone run", r"The deploy lock of \S+ was left by run"),
                ("record repaired from the host", r"The release record of \S+ disagreed with the host"),
                ("nginx reloaded to the slot the file named",
                 r"TASK \[django_stack : Reload nginx gracefully\][^\n]*\nchanged"),
                ("idle slot stopped", r"TASK \[django_stack : Stop the idle slot[^\n]*\nchanged"),
            ) if re.search(pattern, out))
            self.check(name, rc == 0, "the rerun failed: " + out[-1500:])
            self.check(name, runs == 1, "took %d reruns to converge" % runs)
            served = self.health()["release"]
            self.check(name, served == commit, "serves %s, not the new commit %s" % (served[:12], commit[:12]))
            if "migrat" in case:
                entries = self.host("grep", "-c", "^=== .* migrate:", "/srv/mysite/logs/migrate-%s.log" % commit[:12],
                                    check=False).strip()
                self.check(name, entries == "1", "migrate ran %s times for one release" % entries)
            results.append(self.load_stop(loads.pop()))
            noop, _ = self.play("deploy.yml", name=name + "-noop")
            problem = self.noop_problem(noop)
            self.check(name, problem is None, "the second rerun was not changed=0: %s" % problem)
            # rollback.yml picks the release that served before the last switch.
            plan, _ = self.play("playbooks/rollback.yml", extra=["-e", "rollback_plan_only=true"],
                                name=name + "-rollback-plan")
            rc3 = plan.rc
            picked = re.search(r"would roll back from \w+ to (\w+)", plan.out)
            self.check(name, rc3 == 0 and picked and picked.group(1) == before[:12],
                       "rollback --check picked %s, expected %s (rc %d)"
                       % (picked.group(1) if picked else None, before[:12], rc3))
            if case == "drain" and (sig == signal.SIGKILL or self.args.signals == "alternate"):
                # The case: a rollback right after a run cut after the
                # switch must go back to the release that served before it.
                loads.append(self.load_start(name + "-rollback"))
                rc4 = self.play("playbooks/rollback.yml", name=name + "-rollback")[0].rc
                back = self.health()["release"]
                self.check(name, rc4 == 0 and back == before,
                           "rollback.yml serves %s, expected %s (rc %d)" % (back[:12], before[:12], rc4))
                results.append(self.load_stop(loads.pop()))
        finally:
            results.extend(self.load_stop(load) for load in loads)
        load_result = self.load_summary(results)
        self.check_load(name, load_result)
        self.results.append({"case": name, "failed": load_result["failed"], "total": load_result["sent"],
                             "statuses": load_result["statuses"], "p99_ms": load_result["p99_ms"],
                             "runs_to_converge": runs, "served_during_cut": after_cut[:12],
                             "message": message or "(none needed)"})
        self.log("case", name, "done:", load_result["failed"], "/", load_result["sent"], "failed; runs", runs)

    def new_migration(self, tag, seconds):
        """A migration after the last one that creates a table and takes `seconds`."""
        name = "%04d_%s" % (int(self.last_migration[:4]) + 1, tag)
        text = MIGRATION % {"name": name, "dep": self.last_migration, "seconds": seconds, "table": tag}
        self.last_migration = name
        return {"notes/migrations/%s.py" % name: text}

    def two_at_once(self):
        name = "two-at-once"
        commit = self.publish(name, self.new_migration("two_at_once", 5))
        load = self.load_start(name)
        results = {}

        def run(tag):
            done, cut = self.play("deploy.yml", name="%s-%s" % (name, tag))
            results[tag] = (done.rc, done.out, cut)

        threads = [threading.Thread(target=run, args=(t,)) for t in ("a", "b")]
        for thread in threads:
            thread.start()
            time.sleep(0.5)
        for thread in threads:
            thread.join()
        load_result = self.load_stop(load)
        # roles/deploy_lock: a run that finds the lock held waits for it (up
        # to deploy_lock_timeout, 300 s): both runs succeed, one after the other.
        waited = [t for t, (_, out, _) in results.items() if re.search(r"RETRYING: .*Wait for the deploy lock", out)]
        self.check(name, all(rc == 0 for rc, _, _ in results.values()),
                   "both runs must succeed, one after the other: %s"
                   % {t: r[1][-800:] for t, r in results.items() if r[0]})
        self.check(name, not any("is locked by run" in out for _, out, _ in results.values()),
                   "a run stopped on the lock instead of waiting for it")
        self.check(name, len(waited) == 1, "expected exactly one run to wait for the lock, got %s" % waited)
        entries = self.host("grep", "-c", "^=== .* migrate:", "/srv/mysite/logs/migrate-%s.log" % commit[:12],
                            check=False).strip()
        self.check(name, entries == "1", "migrate ran %s times" % entries)
        self.check(name, self.health()["release"] == commit, "the new commit does not serve")
        self.check_load(name, load_result)
        self.results.append({"case": name, "failed": load_result["failed"], "total": load_result["sent"],
                             "statuses": load_result["statuses"], "p99_ms": load_result["p99_ms"],
                             "runs_to_converge": 1,
                             "message": "both succeeded, run %s after waiting for the lock; migrate ran once"
                             % "".join(waited)})

    def build_failure(self):
        name = "build-failure"
        serving = self.health()["release"]
        compose_before = self.host("cat", "/srv/mysite/compose.yaml")
        self.publish(name, requirements_extra="djstack-no-such-package==0.0.1\n")
        load = self.load_start(name)
        done, _ = self.play("deploy.yml", name=name)
        rc, out = done.rc, done.out
        load_result = self.load_stop(load)
        self.check(name, rc != 0, "the deploy of a broken build succeeded")
        msg = re.search(r"failed to build: ([^\n]*)", out)
        self.check(name, msg and "djstack-no-such-package" in out and "keeps serving" in out,
                   "the message lacks the cause or the serving release: %s" % (msg.group(0) if msg else out[-800:]))
        self.check(name, "\x1b" not in out and "\\x1b" not in out, "escape codes in the output")
        compose_after = self.host("cat", "/srv/mysite/compose.yaml")
        self.check(name, compose_after == compose_before, "compose.yaml changed after a failed build")
        images = self.host("docker", "compose", "-f", "/srv/mysite/compose.yaml", "config", "--images").split()
        self.check(name, bool(images), "compose.yaml names no image")
        # `docker image inspect` of a missing image prints [] and exits 1.
        missing = [i for i in images if self.host_run("docker", "image", "inspect", i).returncode != 0]
        self.check(name, not missing, "compose.yaml names images that do not exist: %s" % missing)
        self.check(name, self.health()["release"] == serving, "the serving release changed")
        self.check_load(name, load_result)
        self.results.append({"case": name, "failed": load_result["failed"], "total": load_result["sent"],
                             "statuses": load_result["statuses"], "p99_ms": load_result["p99_ms"],
                             "runs_to_converge": 0,
                             "message": (msg.group(0)[:150] if msg else "?")})

    def preflight(self):
        for name, extra, expect in (
                ("dup-domain", ["-e", '{"django_stack_domains": ["faults.example.test", "faults.example.test"]}'],
                 "more than once"),
                ("no-such-commit", ["-e", "app_source_version=" + "0123456789abcdef" * 2 + "01234567"],
                 "is no commit of")):
            done, _ = self.play("deploy.yml", extra=extra, name="preflight-" + name)
            rc, out = done.rc, done.out
            shown = re.search(r"(django_stack_domains of \S+ lists \S+ more than once[^\n]*"
                              r"|app_source_version \w+ is no commit[^\n]*)", out)
            self.check(name, rc != 0 and expect in out and "PLAY [Deploy the Django stack]" not in out,
                       "preflight did not refuse it: " + out[-800:])
            self.results.append({"case": "preflight " + name, "failed": 0, "total": 0, "runs_to_converge": 0,
                                 "message": shown.group(0)[:150] if shown else "?"})

    def run(self):
        first = self.health()["release"]
        self.log("serving", first[:12])
        cases = []
        points = (
            ("build", r"TASK \[django_image : Build the app image", 4.0, None, signal.SIGINT),
            ("migrate", r"TASK \[django_stack : Apply migrations", 8.0, "migration", signal.SIGKILL),
            ("switch", r"TASK \[django_stack : Start nginx\]", 0.0, None, signal.SIGKILL),
            ("drain", r"TASK \[django_stack : Let the previous release finish", 1.0, None, signal.SIGINT),
        )
        # "both": every point with SIGINT and with SIGKILL (8 cuts);
        # "alternate": each point once, with the signal above (4 cuts).
        for sig in (signal.SIGINT, signal.SIGKILL):
            for case, kill_at, delay, extra, alternate in points:
                if self.args.signals == "both" or sig == alternate:
                    cases.append((case, sig, kill_at, delay, extra))
        only = set(self.args.only.split(",")) if self.args.only else None
        for case, sig, kill_at, delay, extra in cases:
            if only and case not in only:
                continue
            files = self.new_migration("slow_" + sig.name.lower(), 25) if extra == "migration" else None
            self.interrupted(case, sig, kill_at, delay, files)
        if not only or "two" in only:
            self.two_at_once()
        if not only or "build-failure" in only:
            self.build_failure()
        if not only or "preflight" in only:
            self.preflight()

    def report(self):
        lines = ["| case | failed requests / total | runs to converge | message shown |", "| --- | --- | --- | --- |"]
        for r in self.results:
            lines.append("| %s | %d / %d | %s | %s |" % (r["case"], r["failed"], r["total"], r["runs_to_converge"],
                                                        r["message"].replace("|", "/")))
        print("\n".join(lines))
        os.makedirs(os.path.dirname(self.args.out), exist_ok=True)
        with open(os.path.splitext(self.args.out)[0] + ".md", "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        with open(self.args.out, "w", encoding="utf-8") as handle:
            json.dump({"results": self.results, "failures": self.failures}, handle, indent=2)
        if self.failures:
            print("\n%d check(s) failed:" % len(self.failures))
            for failure in self.failures:
                print(" -", failure[:600])
        print("%d passed, %d failed" % (len(self.results), len(self.failures)))
        return 1 if self.failures else 0


MIGRATION = '''"""Test fixture (tests/faults.py): a migration that takes %(seconds)d s."""
import time

from django.db import migrations


def wait(apps, schema_editor):
    time.sleep(%(seconds)d)


class Migration(migrations.Migration):
    dependencies = [("notes", "%(dep)s")]
    # A new table and a wait: the serving release keeps working (the deploy's
    # migration plan would otherwise refuse RunSQL and RunPython as unknown).
    djstack_compatible = True

    operations = [
        migrations.RunSQL("CREATE TABLE notes_%(table)s (id integer PRIMARY KEY)",
                          "DROP TABLE notes_%(table)s"),
        migrations.RunPython(wait, migrations.RunPython.noop),
    ]
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for option in ("inventory", "project", "work", "host", "site-ip", "domain", "out"):
        parser.add_argument("--" + option, required=True)
    parser.add_argument("--signals", choices=("both", "alternate"), default="both",
                        help="both: each point with SIGINT and SIGKILL; alternate: each point once")
    parser.add_argument("--rate", type=float, default=20, help="requests per second of each load (open loop)")
    parser.add_argument("--max-p99-ms", type=float, default=9000,
                        help="p99 latency bound of every load (ms): a request that waited longer fails the case")
    parser.add_argument("--only", default="",
                        help="comma-separated cases: build,migrate,switch,drain,two,build-failure,preflight")
    args = parser.parse_args()
    faults = Faults(args)
    try:
        faults.run()
    except Exception as error:  # report what ran, then fail
        faults.failures.append("aborted: %r" % error)
    return faults.report()


if __name__ == "__main__":
    sys.exit(main())
