# Gives the app's volumes to the user its containers run as. Run as root
# (with only CHOWN and DAC_READ_SEARCH) in a one-off container of the slot's
# app service, before the release starts: `python3 -c "<this file>" USER
# DIR...`. USER is name or uid, with :group or :gid, resolved as Docker
# resolves `--user` (the image's /etc/passwd and /etc/group; a uid it does
# not list gets gid 0). Every file and directory under each DIR that is not
# USER's becomes USER's (symlinks themselves, not their targets). Prints
# {"uid": ..., "gid": ..., "changed": <how many were given>}.
# Only the standard library: it runs in the project's own image.
import grp
import json
import os
import pwd
import sys


def ids(user):
    name, _, group = user.partition(":")
    try:
        entry = pwd.getpwuid(int(name)) if name.isdigit() else pwd.getpwnam(name)
    except KeyError:
        if not name.isdigit():
            sys.exit("the user %s is not in the image's /etc/passwd" % name)
        entry = None
    uid = int(name) if name.isdigit() else entry.pw_uid
    if not group:
        return uid, entry.pw_gid if entry else 0
    if group.isdigit():
        return uid, int(group)
    try:
        return uid, grp.getgrnam(group).gr_gid
    except KeyError:
        sys.exit("the group %s is not in the image's /etc/group" % group)


def fail(error):
    """A directory that cannot be read stops the program (os.walk would skip it)."""
    raise error


def give(path, uid, gid):
    info = os.lstat(path)
    if (info.st_uid, info.st_gid) == (uid, gid):
        return 0
    os.lchown(path, uid, gid)
    return 1


uid, gid = ids(sys.argv[1])
changed = 0
for root in sys.argv[2:]:
    if not os.path.isdir(root):
        continue
    changed += give(root, uid, gid)
    for top, dirs, files in os.walk(root, onerror=fail):
        for name in dirs + files:
            changed += give(os.path.join(top, name), uid, gid)
print(json.dumps({"uid": uid, "gid": gid, "changed": changed}), flush=True)
