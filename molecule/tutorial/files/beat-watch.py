#!/usr/bin/python3
"""Count the running beat containers while a deploy runs (tutorial scenario).

Runs on the test host. Follows Docker's event stream for the containers
labelled io.django-stack.process=beat (no polling: every start and every
death, in the daemon's order) from the running set at the start, until
/tmp/djstack-producer.stop exists; then writes to /tmp/djstack-beat-watch.json
the most beats that ever ran at once, and the starts and deaths seen.
  beat-watch.py
"""
import json
import os
import subprocess
import threading

STOP = "/tmp/djstack-producer.stop"
OUT = "/tmp/djstack-beat-watch.json"
LABEL = "label=io.django-stack.process=beat"


def main():
    events = subprocess.Popen(
        ["docker", "events", "--filter", "type=container", "--filter", LABEL,
         "--filter", "event=start", "--filter", "event=die", "--format", "{{.Action}} {{.Actor.ID}}"],
        stdout=subprocess.PIPE, text=True)
    # Listed after the stream began: a beat started in between is in both,
    # and the set counts it once.
    running = set(subprocess.run(
        ["docker", "ps", "--quiet", "--no-trunc", "--filter", LABEL, "--filter", "status=running"],
        capture_output=True, text=True, check=True).stdout.split())
    state = {"initial": len(running), "most_at_once": len(running), "starts": 0, "deaths": 0}

    def stop_when_asked():
        stopped = threading.Event()
        while not stopped.wait(0.5):
            if os.path.exists(STOP):
                events.terminate()
                return

    threading.Thread(target=stop_when_asked, daemon=True).start()
    for line in events.stdout:
        action, _, container = line.strip().partition(" ")
        if action == "start":
            running.add(container)
            state["starts"] += 1
        elif action == "die":
            running.discard(container)
            state["deaths"] += 1
        state["most_at_once"] = max(state["most_at_once"], len(running))
    with open(OUT + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(state, handle)
    os.replace(OUT + ".tmp", OUT)


if __name__ == "__main__":
    main()
