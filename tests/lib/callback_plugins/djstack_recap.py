"""ansible.posix.json's document, written to a file instead of stdout.

ansible.posix.json is a stdout callback: used as one, it replaces the text
output that people read and that tests search for messages. This subclass is
an aggregate callback that loads by itself from ANSIBLE_CALLBACK_PLUGINS
(tests/lib/djstack_test.py puts this directory there) and writes the same
JSON (plays, tasks, per-host results, stats) to $DJSTACK_RECAP_JSON at the
end of the run; without that variable it writes nothing.
"""
import json
import os

from ansible.parsing.ajson import AnsibleJSONEncoder
from ansible_collections.ansible.posix.plugins.callback.json import CallbackModule as JsonCallback

DOCUMENTATION = """
    name: djstack_recap
    short_description: ansible.posix.json's document written to $DJSTACK_RECAP_JSON
    description:
      - The plays, tasks, per-host results and stats of ansible.posix.json, as a file.
    type: aggregate
    options:
      show_custom_stats:
        description: Add the custom stats of set_stats.
        default: false
        type: bool
      json_indent:
        description: Indent of the JSON file (0 or less, one line).
        default: 0
        type: integer
"""


class CallbackModule(JsonCallback):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "djstack_recap"
    CALLBACK_NEEDS_ENABLED = False

    def _record_task_result(self, on_info, result, **kwargs):
        # ansible.posix.json drops ignore_errors: keep it, so that an ignored
        # failure is not reported as a failure of the run.
        if kwargs.get("ignore_errors"):
            on_info = dict(on_info, ignored=True)
        return super()._record_task_result(on_info, result, **kwargs)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("DJSTACK_RECAP_JSON")
        if not path:
            return
        summary = {host: stats.summarize(host) for host in sorted(stats.processed.keys())}
        document = {"plays": self.results, "stats": summary}
        with open(path + ".part", "w", encoding="utf-8") as handle:
            json.dump(document, handle, cls=AnsibleJSONEncoder, indent=self._json_indent, sort_keys=True)
        os.replace(path + ".part", path)
