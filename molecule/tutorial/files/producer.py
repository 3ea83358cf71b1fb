#!/usr/bin/python3
"""Queue tasks through the site while a deploy runs (tutorial scenario).

Runs on the test host: POSTs /uploads/enqueue/?task=N to the stack's nginx
(127.0.0.1:80, Host: the site's domain) four times a second until
/tmp/djstack-producer.stop exists, and writes "N OUTCOME" per task to
/tmp/djstack-producer.log: OUTCOME is the status of a whole answer (body
read to its end), or the name of the exception that ended the request
(timeout, IncompleteRead, RemoteDisconnected, ConnectionResetError, ...).
Every task gets a line, whatever happens to it: the verify counts anything
but 202 as a failed request.
  djstack-producer.py DOMAIN
"""
import os
import sys
import time
import urllib.error
import urllib.request

STOP = "/tmp/djstack-producer.stop"
LOG = "/tmp/djstack-producer.log"


def main():
    domain = sys.argv[1]
    number = 0
    with open(LOG, "w", encoding="utf-8", buffering=1) as log:
        while not os.path.exists(STOP):
            number += 1
            request = urllib.request.Request(
                "http://127.0.0.1/uploads/enqueue/?task=t%d" % number, data=b"", method="POST",
                headers={"Host": domain})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    outcome = str(response.status)
            except urllib.error.HTTPError as error:
                outcome = str(error.code)
            except TimeoutError:
                outcome = "timeout"
            except Exception as error:  # any other end of a request is a failure too
                outcome = type(error).__name__
            log.write("t%d %s\n" % (number, outcome))
            time.sleep(0.25)


if __name__ == "__main__":
    main()
