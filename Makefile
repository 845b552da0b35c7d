# Two entry points for a new user (see README): `make preview` and `make test`.
# Both create venv/ (the virtualenv named in Pulumi.yaml) and install the pinned requirements
# of the program and of the policy pack first.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STACK ?= dev
STAMP := $(VENV)/.installed

.PHONY: preview test install bench catalog facts clean real-engine real-preview real-up real-destroy bench-real

install: $(STAMP)

$(STAMP): requirements.txt policies/requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-r requirements.txt -r policies/requirements.txt -c constraints.txt
	touch $(STAMP)

preview: $(STAMP)
	$(BIN)/python -m posture preview --stack $(STACK)

test: $(STAMP)
	$(BIN)/python -m pytest

# Fleet benchmark (issue 6): 10 to 2,000 VMs, preview vs the bare SDK; writes bench/RESULTS.md.
# Slow (tens of minutes); not part of `make test`. BENCH_SIZES=10,100 for a quick look.
BENCH_SIZES ?= 10,100,500,1000,2000
bench: $(STAMP)
	$(BIN)/python -m bench.run --sizes $(BENCH_SIZES) --out bench/RESULTS.md --json bench/results.json

catalog: $(STAMP)
	$(BIN)/python -m policies.catalog

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# The pack's copy of the Azure facts (policies/azdr_policies/facts.py) is generated from components/facts.py.
facts: $(STAMP)
	$(BIN)/python -m tools.genfacts

# The real Pulumi engine, offline (issue 10, docs/real-engine.md): `make real-engine` builds pulumi v3.274.1 and
# our language host into .tools/bin (or uses a compatible pulumi on PATH); the others run the real CLI on the
# stack file Pulumi.$(STACK).yaml with the stand-in azure-native provider and a file:// backend in .tools/.
# PULUMI_ARGS passes more arguments (e.g. PULUMI_ARGS=--json); the exit status is pulumi's.
PULUMI_ARGS ?=
real-engine: $(STAMP)
	tools/realengine/build.sh

real-preview: $(STAMP)
	@$(BIN)/python -m tools.realengine preview --stack $(STACK) -- $(PULUMI_ARGS)

real-up: $(STAMP)
	@$(BIN)/python -m tools.realengine up --stack $(STACK) -- $(PULUMI_ARGS)

real-destroy: $(STAMP)
	@$(BIN)/python -m tools.realengine destroy --stack $(STACK) -- $(PULUMI_ARGS)

# Real engine vs offline engine on the same fleets (issue 10); writes its own section of bench/RESULTS.md.
BENCH_REAL_SIZES ?= 10,100,500
bench-real: $(STAMP)
	$(BIN)/python -m bench.real_engine --sizes $(BENCH_REAL_SIZES)
