# Short commands over CMakePresets.json. Each target first installs missing Debian packages
# (scripts/deps.sh), then configures and builds the preset it needs under build/<preset>.
#
#   make demo     release build, then boot the default machine, show its physical memory,
#                 translate addresses through its page tables and TLB, and run a process:
#                 exec of a real ELF file, brk and mmap, its /proc/PID/maps, page faults
#                 (zero page, copy-on-write, the page cache and fault-around, a huge page),
#                 memory pressure (reclaim, swap, the OOM killer) and the page-replacement
#                 policies on Belady's string, alone and deciding a running machine's reclaim
#   make test     debug build (-Werror), then every test (ctest --output-on-failure)
#   make asan     the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench    release build, then run every benchmark (bench/bench_*.c)
#   make install  release build installed under $(DESTDIR)$(PREFIX)
#   make fuzz     libFuzzer targets (fuzz/), built with clang
#   make clean    remove build/

PREFIX ?= /usr/local
DESTDIR ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps demo test asan bench install fuzz clean

all: test

deps:
	@sh scripts/deps.sh

# build-PRESET: configure (again each time, so edits to CMakePresets.json apply) and build.
build-%: deps
	cmake --preset $* >/dev/null
	cmake --build --preset $* -j $(JOBS)

demo: build-release
	@echo '== mmsim boot: the default machine and its physical memory'
	@build/release/mmsim boot
	@echo
	@echo '== mmsim translate: a small process in real x86-64 page tables, through the MMU and TLB'
	@build/release/mmsim translate
	@echo
	@echo '== mmsim translate 0x7fffffffebcd --repeat 2: one address, step by step, then the TLB hit'
	@build/release/mmsim translate 0x7fffffffebcd --repeat 2
	@echo
	@echo '== mmsim run examples/address-space.mms: exec of /usr/bin/cat, brk and mmap, its /proc/PID/maps'
	@build/release/mmsim run --echo examples/address-space.mms
	@echo
	@echo '== mmsim run examples/zero-page-and-cow.mms: page faults, the zero page, copy-on-write after fork'
	@build/release/mmsim run --echo examples/zero-page-and-cow.mms
	@echo
	@echo '== mmsim run examples/fault-around.mms: a file mapping, the page cache, major and minor faults'
	@build/release/mmsim run --echo examples/fault-around.mms
	@echo
	@echo '== mmsim run examples/huge-page.mms: one fault maps a 2 MiB transparent huge page'
	@build/release/mmsim run --echo examples/huge-page.mms
	@echo
	@echo '== mmsim run examples/memory-pressure.mms: reclaim, swap on a real file, the OOM killer'
	@build/release/mmsim run --echo examples/memory-pressure.mms
	@echo
	@echo '== mmsim trace --policy all: 19 page-replacement policies on the string 1 2 3 4 1 2 5 1 2 3 4 5'
	@echo '   (3 frames; with 4, FIFO faults 10 times: Belady'"'"'s anomaly)'
	@build/release/mmsim trace --policy all --frames 3 --page-size raw examples/belady.trace
	@echo
	@echo '== mmsim run examples/replacement.mms --set policy=NAME: the same string in a running machine,'
	@echo '   the policy choosing the kernel'"'"'s victims in 3 frames (each fault a real major fault)'
	@for p in fifo lru clock; do \
		echo "-- policy=$$p"; \
		build/release/mmsim run examples/replacement.mms --set policy=$$p | head -7; \
	done

test: build-debug
	ctest --preset debug -j $(JOBS)

asan: build-asan-ubsan
	ctest --preset asan-ubsan -j $(JOBS)

bench: build-release
	@set -e; found=0; \
	for b in build/release/bench/bench_*; do \
		[ -x "$$b" ] || continue; found=1; \
		echo "== $$b"; "$$b"; \
	done; \
	if [ $$found = 0 ]; then echo "make bench: no benchmarks exist yet (bench/bench_*.c)" >&2; exit 1; fi

# The prefix is fixed at configure time so that mmsim.pc names the installed paths.
install: deps
	cmake --preset release -DCMAKE_INSTALL_PREFIX="$(PREFIX)" >/dev/null
	cmake --build --preset release -j $(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install build/release

fuzz:
	@test -f fuzz/CMakeLists.txt || { echo "make fuzz: no fuzz targets exist yet (fuzz/CMakeLists.txt is absent)" >&2; exit 1; }
	@sh scripts/deps.sh clang libclang-rt-14-dev
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	@echo "make fuzz: run one on a copy of its corpus, e.g.:"
	@echo "  cp -r fuzz/corpus/e820 /tmp/e820 && build/fuzz/fuzz/fuzz_e820 -max_total_time=60 /tmp/e820"

clean:
	rm -rf build
