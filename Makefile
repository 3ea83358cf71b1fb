# django-stack: deploy a Django site with Ansible + Docker Compose.
#   make demo   deploy app/ to a local sandbox server and print its URL
#   make test   unit, then lint + every molecule scenario (what CI runs)
#   make unit   the fast layer, under a minute: ruff, pytest tests/unit, the sample app's Django tests
#   make bench  rerun figures (median of 3), update / rollback under load on the sandbox (after make demo)
#   make bench-fleet  the fleet's no-op, update and throughput against the sandbox's (converges the fleet scenario)
#   make docs   regenerate docs/variables.md and the roles' READMEs from the argument specs
#   make test-fresh  make demo on a fresh machine: a container with only root, git, make, python3
#   make molecule MOLECULE_SCENARIOS="backup fleet"   only these scenarios (no lint)
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
export ANSIBLE_CONFIG := $(abspath ansible.cfg)

.PHONY: help tools venv engine images demo sandbox-down docs unit lint molecule test test-fresh bench bench-fleet clean

help:
	@sed -n 's/^#   //p' Makefile

tools:
	scripts/ensure-host-tools.sh

venv: tools $(BIN)/ansible-playbook

$(BIN)/ansible-playbook: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/ansible-galaxy collection install -r requirements.yml
	touch $@

engine: tools
	scripts/ensure-docker.sh

images: engine
	tests/images/build.sh

demo: venv images
	ansible-playbook playbooks/sandbox.yml
	time ansible-playbook deploy.yml -i inventory/sandbox
	@echo "The site answers at http://django.localhost:8080/ (and http://localhost:8080/)"

sandbox-down: venv
	ansible-playbook playbooks/sandbox.yml -e sandbox_state=absent

docs: venv
	scripts/gen-docs.py
	scripts/gen-figures.py

# The fast layer: no Docker, no network. The app's tests run on the SQLite
# database settings.py picks when DJANGO_DB_HOST is unset.
unit: venv
	ruff check
	pytest
	cd app && env -u DJANGO_DB_HOST DJANGO_SECRET_KEY=unit-tests-only python3 manage.py test --noinput

lint: venv
	ruff check
	scripts/gen-docs.py --check
	scripts/gen-figures.py --check
	scripts/check-links.py
	ansible-config validate -t all
	yamllint .
	ansible-lint
	ansible-playbook deploy.yml -i inventory/sandbox --syntax-check
	ansible-playbook deploy.yml -i inventory/example --syntax-check
	ansible-playbook deploy.yml -i inventory/example-fleet --syntax-check
	for p in playbooks/*.yml; do ansible-playbook $$p -i inventory/sandbox --syntax-check || exit 1; done
	scripts/check-specs.py
	scripts/check-jinja.py

molecule: venv images
	scripts/molecule-all.sh

# The fast layer first: a failure there stops before the scenarios start.
# The lint runs beside the scenarios (it needs only the venv): the 2 cores
# are busy with the scenarios anyway, and it ends long before them.
test: unit
	$(MAKE) --no-print-directory -j2 lint molecule

# Not part of `make test`: it builds every image and deploys once more inside
# the fresh container (see TESTING.md for its time).
test-fresh: engine
	scripts/fresh-machine.sh

bench: venv
	scripts/bench-rerun.py
	scripts/bench-update.py

# The fleet scenario's hosts stay up afterwards (molecule destroy -s fleet
# removes them).
bench-fleet: venv images
	molecule converge -s fleet
	scripts/bench-fleet.py

clean: sandbox-down
	rm -rf build
