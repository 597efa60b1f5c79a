# rollcall: `make demo` runs the main job, `make test` runs the tests. Both install what they need.
SHELL := /bin/bash
ORT_VERSION := 1.31.1
ORT_DIR := $(CURDIR)/.cache/onnxruntime
ORT_LIB := $(ORT_DIR)/libonnxruntime.so.$(ORT_VERSION)
export ORT_DYLIB_PATH ?= $(ORT_LIB)
EVAL_DATA ?= $(CURDIR)/../shared/eval/lfw-dev
CARGO ?= cargo

.PHONY: all build test demo demo-live sysdeps ort models eval eval-dlib bench bench-gallery bench-pipeline bench-load bench-decode bench-import lint fmt clean help

all: build

help:
	@echo "make demo   - run rollcall end to end on the embedded default (see README)"
	@echo "make test   - run the test suite"
	@echo "make eval   - accuracy on ../shared/eval/lfw-dev (PROTOCOL.md)"
	@echo "make bench  - criterion benchmarks"
	@echo "make lint   - cargo fmt --check and clippy -D warnings"

# ONNX Runtime's shared library, taken from the PyPI wheel (the only place we may fetch it from);
# `ort` loads it at run time (load-dynamic).
ort: $(ORT_LIB)
$(ORT_LIB):
	@mkdir -p $(ORT_DIR) .cache/wheels
	python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
	  -d .cache/wheels onnxruntime==$(ORT_VERSION)
	python3 tools/extract_ort.py .cache/wheels $(ORT_VERSION) $(ORT_DIR)

# libclang for the camera bindings (and pip for the wheel); tools/sysdeps.sh installs them as root.
sysdeps:
	@tools/sysdeps.sh

build: sysdeps ort
	$(CARGO) build --release --bin rollcall

test: sysdeps ort
	@tools/sysdeps.sh --test
	$(CARGO) test --workspace --release

demo: build
	./target/release/rollcall demo

# The demo, then its server stays up on 127.0.0.1:8080 for the web pages until Ctrl-C.
demo-live: build
	./target/release/rollcall demo --keep --listen 127.0.0.1:8080

eval: build
	./target/release/rollcall eval $(EVAL_DATA)

# Benchmarks run their peers (FAISS, dlib) in the same run, from a .venv made by tools/venv.sh.
bench: bench-pipeline bench-gallery bench-load bench-decode bench-import

bench-pipeline: ort
	$(CARGO) bench -p rollcall-benches --bench pipeline

bench-gallery:
	$(CARGO) bench -p rollcall-benches --bench gallery

# Peak memory and time of one image, bombs included, with the server's pixel budget and without.
bench-decode: ort
	$(CARGO) bench -p rollcall-benches --bench decode_memory

# Peak memory of a bulk import as its archive grows (4 MB to 480 MB).
bench-import: ort
	$(CARGO) bench -p rollcall-benches --bench import_memory

# 8 kiosks posting frames to a real server at 40 frames/s in all for 60 s (ROLLCALL_LOAD_FPS, ROLLCALL_LOAD_SECONDS).
bench-load: ort
	$(CARGO) bench -p rollcall-benches --bench load

# The dlib peer's accuracy under the same protocol (about 5 minutes on 2 cores).
eval-dlib:
	py=$$(tools/venv.sh dlib-bin==20.0.1.post1 face-recognition-models==0.3.0) && $$py tools/dlib_peer.py eval $(EVAL_DATA)

lint: sysdeps
	$(CARGO) fmt --all -- --check
	tools/check_width.sh
	$(CARGO) clippy --workspace --all-targets --release -- -D warnings

fmt:
	$(CARGO) fmt --all

models:
	tools/build_models.sh

clean:
	$(CARGO) clean
	rm -rf .cache
