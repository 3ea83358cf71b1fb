#!/bin/sh
# Image builds: packages must not start their services (there is no init).
# Images that boot systemd (server) delete this file.
exit 101
