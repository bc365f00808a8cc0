# Thin wrapper: the build is CMake's. `make demo` and `make check` install
# what is missing first (see .ci/packages.txt).
JOBS ?= $(shell nproc)
BUILD ?= build
FUZZ_SECONDS ?= 60

.PHONY: all deps build check check-sanitize fuzz fuzz-smoke demo bench format clean

all: build

deps:
	@.ci/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check-sanitize: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON >/dev/null
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUZZ=ON >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target fuzz_all

# A short run of every fuzz target on its seed corpus (CI); longer by hand:
#   make fuzz-smoke FUZZ_SECONDS=3600
fuzz-smoke: fuzz
	tests/fuzz/run-all build-fuzz $(FUZZ_SECONDS)

demo: build
	tests/e2e/demo.sh $(BUILD)

bench: build
	@for b in $(BUILD)/tests/bench_*; do echo "== $$b"; $$b || exit 1; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
