#!/usr/bin/env python3
"""The test library: what the scenarios, tests/faults.py and the bench scripts share.

  run_playbook()  run ansible-playbook as a user would; its recap per host is
                  read from a JSON callback (callback_plugins/djstack_recap.py:
                  ansible.posix.json's document, written to a file), never
                  from the PLAY RECAP text
  assemble()      a release's source: app/ plus overlays and files
  publish()       that source as the next commit of a test git repository
  Load            tests/loadgen.py started and stopped around a run

The command line is for Ansible tasks (tests/tasks/run-playbook.yml,
tests/tasks/publish.yml, scripts/publish-app-repo.sh):

  djstack_test.py run-playbook -i INVENTORY PLAYBOOK [ARGS...]   prints the Run as JSON
  djstack_test.py recap [--unchanged] [--summary] FILE    reads the document a run wrote to
                  $DJSTACK_RECAP_JSON (the callback on ANSIBLE_CALLBACK_PLUGINS):
                  prints each host's recap, changed tasks and failures
  djstack_test.py assemble --dest DIR [--app DIR] [--search DIR]... [OVERLAY...]
  djstack_test.py publish SRC BARE_REPO [MESSAGE]                prints the commit
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"
LOADGEN = PROJECT / "tests" / "loadgen.py"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Build leftovers that never go into a published commit.
IGNORED = ("__pycache__", "*.pyc", "db.sqlite3")
# ansible's stats keys -> the recap's words (PLAY RECAP says "failed=").
STAT_NAMES = {"ok": "ok", "changed": "changed", "unreachable": "unreachable", "failures": "failed",
              "skipped": "skipped", "rescued": "rescued", "ignored": "ignored"}


# --- the recap ---------------------------------------------------------------
def recap(document):
    """Per host: ok, changed, unreachable, failed, skipped, rescued, ignored (ints)."""
    return {host: {word: int(stats.get(key, 0)) for key, word in STAT_NAMES.items()}
            for host, stats in document.get("stats", {}).items()}


def _task_results(document):
    for play in document.get("plays", []):
        for task in play.get("tasks", []):
            for host, result in task.get("hosts", {}).items():
                yield task["task"]["name"], host, result


def changed_tasks(document):
    """Per host, the names of the tasks that reported changed, in order."""
    found = {}
    for name, host, result in _task_results(document):
        if result.get("changed"):
            found.setdefault(host, []).append(name)
    return found


STDERR_TAIL = 1500


def why(result):
    """What a failed result says: its msg and, for a command, the end of its
    stderr ("non-zero return code" alone names no cause)."""
    msg = str(result.get("msg") or "")
    stderr = str(result.get("stderr") or "").strip()
    if stderr and stderr not in msg:
        tail = stderr[-STDERR_TAIL:]
        msg = "%s; rc %s, stderr: %s%s" % (msg, result.get("rc"), "..." if len(stderr) > len(tail) else "", tail)
    return msg.lstrip("; ") or str(result.get("stdout") or "")


def failures(document):
    """The failed or unreachable task results (ignored failures left out): host, task, msg."""
    found = []
    for name, host, result in _task_results(document):
        if (result.get("failed") or result.get("unreachable")) and not result.get("ignored"):
            msg = why(result)
            # A loop's result says "One or more items failed": its failed items say why.
            items = [why(item) for item in result.get("results") or []
                     if isinstance(item, dict) and item.get("failed")]
            if items:
                msg = "\n".join(items)
            found.append({"host": host, "task": name, "msg": str(msg)[:4000]})
    return found


@dataclass
class Run:
    """One ansible-playbook run. recap is None when the run ended before its recap (cut)."""
    rc: int
    out: str
    seconds: float
    recap: dict = None
    changed_tasks: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)

    def converged(self, hosts=None):
        """rc 0 and a recap in which every (given) host has failed=0 and unreachable=0."""
        return self.rc == 0 and bool(self._hosts(hosts)) and all(
            s["failed"] == 0 and s["unreachable"] == 0 for s in self._hosts(hosts).values())

    def unchanged(self, hosts=None):
        """converged() and changed=0 on every (given) host."""
        return self.converged(hosts) and all(s["changed"] == 0 for s in self._hosts(hosts).values())

    def changed(self, hosts=None):
        """The changed tasks of the (given) hosts, added up (0 without a recap)."""
        return sum(s["changed"] for s in self._hosts(hosts).values())

    def _hosts(self, hosts):
        stats = self.recap or {}
        return stats if hosts is None else {h: stats[h] for h in hosts if h in stats}

    def as_dict(self):
        return asdict(self)


def playbook_env(env=None, recap_file=None):
    """The environment of a run: ours (or the process's) with the recap callback on its path."""
    env = dict(os.environ if env is None else env)
    paths = [str(CALLBACKS)] + [p for p in env.get("ANSIBLE_CALLBACK_PLUGINS", "").split(os.pathsep) if p]
    env["ANSIBLE_CALLBACK_PLUGINS"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("ANSIBLE_NOCOLOR", "true")
    if recap_file:
        env["DJSTACK_RECAP_JSON"] = str(recap_file)
    return env


def run_playbook(playbook, inventory, extra=(), *, cwd=PROJECT, env=None, on_line=None, log=None):
    """Run ansible-playbook PLAYBOOK -i INVENTORY EXTRA... and return its Run.

    stdout and stderr are read together, line by line; on_line(line, proc) is
    called for each (tests/faults.py cuts runs from there: the run has its own
    process group). log: a file that receives the output.
    """
    argv = ["ansible-playbook", "-i", str(inventory), str(playbook)] + [str(a) for a in extra]
    with tempfile.TemporaryDirectory(prefix="djstack-recap-") as tmp:
        recap_file = Path(tmp) / "recap.json"
        start = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd, env=playbook_env(env, recap_file), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if on_line:
                on_line(line, proc)
        rc = proc.wait()
        seconds = round(time.monotonic() - start, 1)
        document = json.loads(recap_file.read_text(encoding="utf-8")) if recap_file.exists() else None
    out = ANSI.sub("", "".join(lines))
    if log:
        Path(log).write_text(out, encoding="utf-8")
    if document is None:
        return Run(rc=rc, out=out, seconds=seconds)
    return Run(rc=rc, out=out, seconds=seconds, recap=recap(document), changed_tasks=changed_tasks(document),
               failures=failures(document))


def report(document, tasks=True):
    """A run's document as text: per host its recap, the tasks that changed
    (unless not tasks), the failures."""
    changed, lines = changed_tasks(document) if tasks else {}, []
    for host, stats in recap(document).items():
        lines.append(host + ": " + " ".join(f"{word}={count}" for word, count in stats.items()))
        lines.extend("  changed: " + name for name in changed.get(host, []))
    lines.extend(f"  failed on {f['host']}: {f['task']}: {f['msg'][:300]}" for f in failures(document))
    return lines


def recap_verdict(path, unchanged=False, tasks=True):
    """The report of the document at path and its exit status: 1 when the run
    wrote none (cut), a host failed or was unreachable, or (unchanged) changed
    anything; else 0."""
    path = Path(path)
    if not path.exists():
        return [f"{path}: no recap (the run ended before it)"], 1
    document = json.loads(path.read_text(encoding="utf-8"))
    # The run's exit status is the caller's: the verdict here is the recap's.
    done = Run(rc=0, out="", seconds=0.0, recap=recap(document))
    return report(document, tasks), int(not (done.unchanged() if unchanged else done.converged()))


# --- publishing a commit -----------------------------------------------------
def assemble(dest, app=PROJECT / "app", overlays=(), search=(), files=None, appends=None):
    """Write a release's source to dest: app/, then each overlay copied over it
    (a path, or a name looked up in the search directories in order), then
    every overlay's "<file>.append" added to <file>, then files {path: text}
    written, then appends {path: text} added. Returns dest."""
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(app, dest, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED))
    for overlay in overlays:
        path = Path(overlay)
        if not path.is_absolute():
            path = next((Path(d) / overlay for d in search if (Path(d) / overlay).is_dir()), None)
            if path is None:
                raise FileNotFoundError("overlay %s is in none of %s" % (overlay, list(search)))
        shutil.copytree(path, dest, symlinks=True, dirs_exist_ok=True)
    for extra in sorted(dest.rglob("*.append")):
        target = extra.with_suffix("")
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(extra.read_text(encoding="utf-8"))
        extra.unlink()
    for path, text in (files or {}).items():
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / path).write_text(text, encoding="utf-8")
    for path, text in (appends or {}).items():
        with open(dest / path, "a", encoding="utf-8") as handle:
            handle.write(text)
    return dest


def _git(*argv, cwd=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="django-stack tests", GIT_AUTHOR_EMAIL="tests@django-stack.invalid",
               GIT_COMMITTER_NAME="django-stack tests", GIT_COMMITTER_EMAIL="tests@django-stack.invalid")
    return subprocess.run(["git", *argv], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _git_ok(*argv, cwd=None):
    done = _git(*argv, cwd=cwd)
    if done.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(argv), done.stderr.strip()))
    return done.stdout.strip()


def publish(src, bare, message=None):
    """Publish directory src as the tip of main of the bare repository (made if
    missing, served by a test git host): snapshot it into a work clone beside
    it, commit when something changed, push. Returns the commit at the tip."""
    src, bare = Path(src).resolve(), Path(os.path.abspath(bare))
    work = bare.with_name(bare.name.removesuffix(".git") + ".work")
    message = message or "Publish %s" % src.name
    if not bare.is_dir():
        _git_ok("init", "-q", "--bare", "--initial-branch=main", str(bare))
    if not (work / ".git").is_dir():
        shutil.rmtree(work, ignore_errors=True)
        _git_ok("init", "-q", "--initial-branch=main", str(work))
        _git_ok("remote", "add", "origin", str(bare), cwd=work)
    # Mirror the source tree (without build leftovers) into the work clone.
    for entry in work.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    shutil.copytree(src, work, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*IGNORED))
    _git_ok("add", "-A", cwd=work)
    if _git("diff", "--cached", "--quiet", cwd=work).returncode != 0 or \
            _git("rev-parse", "-q", "--verify", "HEAD", cwd=work).returncode != 0:
        _git_ok("commit", "-q", "-m", message, cwd=work)
    _git_ok("push", "-q", "origin", "main", cwd=work)
    # git-daemon serves only repositories it may read; keep them world-readable.
    subprocess.run(["chmod", "-R", "a+rX", str(bare)], check=True)
    return _git_ok("rev-parse", "HEAD", cwd=work)


# --- load --------------------------------------------------------------------
class Load:
    """tests/loadgen.py in the background, open loop, until stop() (or its duration).

    Load(url, host, workdir, name, rate=20, options=("--db",)) writes
    workdir/load-NAME.json and stops on workdir/stop-NAME."""

    def __init__(self, url, host, workdir, name, rate=20, duration=900, options=("--db",)):
        self.stop_file = Path(workdir) / ("stop-%s" % name)
        self.out = Path(workdir) / ("load-%s.json" % name)
        self.argv = [sys.executable, str(LOADGEN), "--url", url, "--host", host, *options, "--rate", str(rate),
                     "--duration", str(duration), "--stop-file", str(self.stop_file), "--out", str(self.out)]
        self.proc = None

    def start(self):
        for path in (self.stop_file, self.out):
            path.unlink(missing_ok=True)
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL)
        return self

    def stop(self, timeout=60):
        """Stop the load; its result (loadgen exits 1 when its verdict fails, which the result says)."""
        self.stop_file.touch()
        rc = self.proc.wait(timeout=timeout)
        if rc not in (0, 1) or not self.out.exists():
            raise RuntimeError("tests/loadgen.py exited %d without a result" % rc)
        return json.loads(self.out.read_text(encoding="utf-8"))


# --- the command line --------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run-playbook", help="run a playbook, print the Run as JSON (rc, seconds, recap, out...)")
    run.add_argument("-i", "--inventory", required=True)
    run.add_argument("--cwd", default=str(PROJECT))
    run.add_argument("--log", help="also write the output to this file")
    run.add_argument("playbook")
    run.add_argument("args", nargs=argparse.REMAINDER)
    rec = sub.add_parser("recap", help="report the document a run wrote to $DJSTACK_RECAP_JSON")
    rec.add_argument("--unchanged", action="store_true", help="exit 1 when a host changed anything")
    rec.add_argument("--summary", action="store_true", help="the recap per host only, not the changed tasks")
    rec.add_argument("file")
    asm = sub.add_parser("assemble", help="app/ plus overlays, into DEST")
    asm.add_argument("--dest", required=True)
    asm.add_argument("--app", default=str(PROJECT / "app"))
    asm.add_argument("--search", action="append", default=[], help="where overlays given by name are looked up")
    asm.add_argument("overlays", nargs="*")
    pub = sub.add_parser("publish", help="SRC as the next commit of BARE_REPO; prints the commit")
    pub.add_argument("src")
    pub.add_argument("bare")
    pub.add_argument("message", nargs="?")
    args = parser.parse_args(argv)
    if args.command == "run-playbook":
        done = run_playbook(args.playbook, args.inventory, args.args, cwd=args.cwd, log=args.log)
        print(json.dumps(done.as_dict()))
    elif args.command == "recap":
        lines, status = recap_verdict(args.file, args.unchanged, not args.summary)
        print("\n".join(lines))
        return status
    elif args.command == "assemble":
        print(assemble(args.dest, args.app, args.overlays, args.search))
    else:
        print(publish(args.src, args.bare, args.message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
