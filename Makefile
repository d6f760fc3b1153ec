# Two commands do everything on a fresh machine (Python 3.11, no GPU):
#   make demo   installs what is missing, then generates digits for a prompt with the bundled weights
#   make test   installs what is missing, builds the docs site, then runs every chapter as Jupyter's "Run All" would,
#               and the pytest suite (CLI, server, docs in a browser, the wheel in a fresh environment)
#   make contract   the API contract: schemathesis, all checks, 100 examples, against `textdiff-mnist serve` (a few minutes)
# Regenerating shipped artefacts is separate and explicit (hours on 2 CPU cores; never part of a test):
#   make results    the benchmark (results/bench.*, plots), the sample grid, the screenshots (UI, server page, docs),
#                   the server's load test, README.md and index
#                   (the records of earlier weights stay as they were measured: v2's in results/model_check.json,
#                   results/style_prior.json, results/specks.json; its weights are at the git tag v2)
#   make readme     README.md and nbs/index.ipynb from the committed results/ (seconds)
#   make weights    rerun the v3 recipe (recipe v2, which fine-tunes weights/textdiff_mnist_v1.pt, then v3's epochs) into runs/v3
#                   and export its weights to textdiff_mnist/weights/textdiff_mnist/ (then: make distill, for the fast student of the new weights)
#   make distill    re-distil the fast student from the bundled weights and measure it (textdiff-mnist distill --ship)
#   make baked      re-bake the default's guidance into the teacher (weights v4, experiments/bake_default.py) and check it
#   make onnx       re-export the shipped ONNX graphs of the bundled networks (after any weights change)
#   make evaluator  retrain the evaluator into runs/evaluator and copy it to textdiff_mnist/weights/evaluator/
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROMPT ?= a thick slanted 4
TDM := $(BIN)/textdiff-mnist
# schemathesis in a virtual environment of its own (its pins are not the project's), at the version the contract was checked with
SCHEMATHESIS_VERSION := 4.32.5
CONTRACT_VENV ?= .venv-contract
CONTRACT_STAMP := $(CONTRACT_VENV)/.installed-schemathesis-$(SCHEMATHESIS_VERSION)
# what the working tree holds (tracked changes and untracked, not ignored, files): a test run must leave it as it was
TREE_STATE := { git status --porcelain; git diff HEAD --binary | sha1sum; }

.PHONY: install demo test test-slow export readme results weights distill baked onnx evaluator docs contract

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(BIN)/python -m pip install -q -e ".[torch,dev,docs,serve,train,hub,onnx]"    # the test suite covers the docs site, the server and the TensorBoard logs
	touch $(STAMP)

$(CONTRACT_STAMP):
	test -x $(CONTRACT_VENV)/bin/python || $(PYTHON) -m venv $(CONTRACT_VENV)
	$(CONTRACT_VENV)/bin/python -m pip install -q --upgrade pip
	$(CONTRACT_VENV)/bin/python -m pip install -q schemathesis==$(SCHEMATHESIS_VERSION)
	rm -f $(CONTRACT_VENV)/.installed-schemathesis-*
	touch $@

demo: $(STAMP)
	$(TDM) demo "$(PROMPT)" --out demo.png

# Every notebook top to bottom in a real kernel (two at a time, one torch thread each: two 2-thread processes on
# 2 cores thrash), then pytest (which opens every page of the docs site just built in Chromium); finally, the run must
# have changed no file of the repository.
test: docs $(CONTRACT_STAMP)
	@$(TREE_STATE) > $(VENV)/.tree-before
	$(BIN)/python tools/run_all.py --workers 2
	$(BIN)/python -m pytest -q
	@$(TREE_STATE) > $(VENV)/.tree-after
	@cmp -s $(VENV)/.tree-before $(VENV)/.tree-after || { echo "the tests changed files of the repository:"; git status --short; exit 1; }

# The same with the chapters' full runs opted in (training, evaluator, benchmark sweep: hours). They write to runs/.
test-slow: $(STAMP) $(CONTRACT_STAMP)
	TEXTDIFF_MNIST_FULL_RUN=1 $(BIN)/python tools/run_all.py --workers 1 --timeout 36000
	$(BIN)/python -m pytest -q --runslow

export: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean

readme: $(STAMP)
	$(BIN)/python tools/make_readme.py

results: $(STAMP)
	$(TDM) bench --out results --stem bench --threads 1
	$(TDM) bench --quick --n-per-digit 100 --seed 1 --threads 2 --out runs/bench_seed1 --stem bench_seed1
	cp runs/bench_seed1/bench_seed1.json runs/bench_seed1/bench_seed1.csv runs/bench_seed1/bench_seed1.md results/
	$(TDM) bench --quick --edit 5 --no-memory --threads 1 --out runs/bench_quick_v2 --stem bench_quick_v2
	cp runs/bench_quick_v2/bench_quick_v2.json runs/bench_quick_v2/bench_quick_v2.csv runs/bench_quick_v2/bench_quick_v2.md results/
	$(BIN)/python -m textdiff_mnist.modelcheck --label v3 --fast bundled --out results/model_check.json
	$(BIN)/python experiments/style_prior.py --guidance 1.7 1.8 1.9 --readings prior --schedule interval --out results/style_prior_v3.json
	$(BIN)/python -m textdiff_mnist.modelcheck --checkpoint weights/textdiff_mnist_v1.pt --label v1 --out results/model_check.json
	$(BIN)/python -c "from textdiff_mnist.generation import get_model, style_grid; \
	  from textdiff_mnist.core import save_image; save_image(style_grid(get_model(), scale=3), 'results/samples.png')"
	$(BIN)/python tools/screenshot_ui.py results/ui.png
	$(BIN)/python tools/serve_harness.py --screenshot results/serve.png
	$(BIN)/python tools/serve_harness.py --load-test --clients 4,13 --seconds 20 --samplers dpm,fast --out results/serve_load.json
	$(BIN)/python tools/make_readme.py
	$(BIN)/python tools/build_docs.py --screenshots results

weights: $(STAMP)
	$(TDM) train --recipe v3 --out runs/v3
	$(TDM) export --format safetensors --checkpoint runs/v3/textdiff_mnist.pt --out textdiff_mnist/weights/textdiff_mnist

# its busy processes' OpenMP threads wait passively (the timing runs in a process of its own without it): chapter 18
distill: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(TDM) distill --out runs/distill --ship

# The guidance-baked default (weights v4): bake the default's guidance into the teacher (about an hour on 2 cores) and check it
baked: $(STAMP)
	$(BIN)/python experiments/bake_default.py --out runs/bake --steps 1000 && $(BIN)/python experiments/bake_default.py --out runs/bake --check
	$(TDM) export --format safetensors --checkpoint runs/bake/baked.pt --out textdiff_mnist/weights/textdiff_mnist_baked

# The graphs the package ships beside each bundled network's weights (chapter 9b's ship_onnx; run after any of the above)
onnx: $(STAMP)
	$(BIN)/python -c "from textdiff_mnist.onnx_backend import ship_onnx; from textdiff_mnist.generation import export_meta; print(*ship_onnx(meta=export_meta()), sep='\n')"

evaluator: $(STAMP)
	TEXTDIFF_MNIST_FULL_RUN=1 $(BIN)/python tools/run_all.py nbs/04_evaluator.ipynb --workers 1 --timeout 36000
	$(TDM) export --format safetensors --checkpoint runs/evaluator/evaluator --out textdiff_mnist/weights/evaluator

# The docs site from the notebooks into _docs/ (Sphinx + MyST-NB, offline, no Quarto; fails on a warning): tools/build_docs.py
docs: $(STAMP)
	$(BIN)/python tools/build_docs.py

# The API contract in full (schemathesis.toml says what it allows and why; tests/test_contract.py runs a bounded one):
# schemathesis against `textdiff-mnist serve` with its default limits on 127.0.0.1; prints how long it took
contract: $(STAMP) $(CONTRACT_STAMP)
	CONTRACT_VENV=$(CONTRACT_VENV) $(BIN)/python tools/contract.py --max-examples 100 --seed 1
