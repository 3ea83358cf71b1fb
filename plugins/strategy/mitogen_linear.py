# Mitogen's linear strategy, found in the controller's Python environment
# (the `mitogen` package of requirements.txt). ansible.cfg selects it: one
# persistent Python interpreter per host instead of a new SSH command and
# Python start per task, so a rerun spends its time on the checks, not on
# the round trips. Switch it off with ANSIBLE_STRATEGY=linear.
# When mitogen is not installed, this falls back to Ansible's own linear
# strategy with a warning.
from __future__ import annotations

from ansible.utils.display import Display

try:
    import ansible_mitogen.loaders
    import ansible_mitogen.strategy
except ImportError as exc:  # pragma: no cover - depends on the controller
    from ansible.plugins.strategy.linear import StrategyModule  # noqa: F401

    Display().warning(
        "mitogen is not installed (%s): running with the plain linear strategy. "
        "pip install -r requirements.txt for the fast path." % exc
    )
else:
    import ansible_mitogen.affinity

    # No CPU pinning. mitogen pins the controller, every worker and every
    # command they start to "the CPUs but the multiplexer's": on a 2-core
    # machine that is one core for all of Ansible's controller side (each
    # ansible-playbook, its workers, and what they run, such as the tests'
    # load generator), while the other waits for the multiplexer. Measured
    # here: a command on localhost had Cpus_allowed_list 1, and in CI the
    # load generator's process was runnable but waited 70 s for that core.
    ansible_mitogen.affinity.policy = ansible_mitogen.affinity.Policy()

    _Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)

    import ansible.collections.list

    class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Linear):
        """Ansible's linear strategy, run over mitogen connections."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Every task runs in a worker forked from this process, and
            # mitogen lists the installed collections (importing each one's
            # package and parsing its meta/runtime.yml) in the worker of each
            # task that runs a collection's module: about 50 ms of CPU per
            # task and host, lost with the worker. Listed once here, the
            # imports are in every worker from the fork on.
            for _path in ansible.collections.list.list_collection_dirs():
                pass
