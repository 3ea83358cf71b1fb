#!/usr/bin/python3
"""Queue tasks through the site while a deploy runs (tutorial scenario).

Runs on the test host: POSTs /uploads/enqueue/?task=N to the stack's nginx
(127.0.0.1:80, Host: the site's domain) four times a second until
/tmp/djstack-producer.stop exists, and writes "N STATUS" per task to
/tmp/djstack-producer.log (STATUS 0: no answer).
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
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            log.write("t%d %d\n" % (number, status))
            time.sleep(0.25)


if __name__ == "__main__":
    main()
