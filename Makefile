# imatseg — build, test, install, demo, bench.
# `make demo` and `make check` are the two commands a user types; both
# install missing Debian packages first (make deps).

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror
PKGLIBS  = $(shell pkg-config --libs vips jansson openblas zlib libmicrohttpd) -lcsv -ldeflate -lpthread -lm

# common/ is a stack of layers, each its own archive (build/libNAME.a),
# compiled with the include paths of the layers it may use and nothing
# else, so that an include that points the wrong way does not compile.
# USES_x: the layers x may use; PKG_x: the packages its code includes.
# Recursive (=) on purpose: pkg-config runs only when a rule needs it,
# so `make deps` works on a machine that lacks the packages.
LAYERS     = base data image shard nn model serve synth cli
USES_base  =
USES_data  = base
USES_image = base
USES_shard = base image
USES_nn    = base
USES_model = base nn shard image data
USES_serve = base data image nn shard model
USES_synth = base data image
USES_cli   = base
PKG_data   = jansson
PKG_image  = vips zlib
PKG_shard  = jansson
PKG_nn     = openblas
PKG_model  = jansson ompi-c
PKG_serve  = libmicrohttpd jansson
PKG_synth  = vips
layer_cflags = $(foreach u,$(1) $(USES_$(1)),-Icommon/$(u)) \
    $(if $(PKG_$(1)),$(shell pkg-config --cflags $(PKG_$(1))))
# MPI (common/model/dist.c) is linked only into the programs that train:
# the archives pull dist.o into nothing else, and the rest stay free of
# libmpi (tests/unet-train-mpi.bats checks with ldd).
MPILIBS    = $(shell pkg-config --libs ompi-c)
MPIPROGS   = bin/unet-train build/asan/bin/unet-train build/bench/mpi_step
$(MPIPROGS): XLIBS = $(MPILIBS)
# Programs, tests and benchmarks see every layer. Archives are linked
# users first: each one before the layers it uses.
TOOLCFLAGS = $(WARN) $(CFLAGS) $(foreach l,$(LAYERS),-Icommon/$(l)) \
    $(shell pkg-config --cflags vips jansson openblas zlib libmicrohttpd)
LINKORDER  = cli serve model synth shard nn image data base
LIBS       = $(patsubst %,build/lib%.a,$(LINKORDER))
ASANLIBS   = $(patsubst %,build/asan/lib%.a,$(LINKORDER))
HEADERS    = $(wildcard common/*/*.h)
# The engine's inner loops (im2col, batch norm, lazy reads) stay scalar
# at -O2; -O3 vectorises them: training at filters 16, 256², batch 8
# ran at 6.0-6.7 images/s against 3.7-4.1, at filters 8, 128² at 58-66
# against 33-38 (build/bench/train_step, 2 threads, 2026-12-01).
O3FILES    = nn/conv nn/norm nn/tensor nn/loss
$(foreach f,$(O3FILES),build/common/$(f).o build/asan/common/$(f).o): XCFLAGS = -O3
# The softmax's loops are selects and its own e^x: they vectorise once
# the compiler may assume no floating-point operation traps (NaN and
# infinity still propagate as ever). Filters 16, 256^2, batch 8: the loss
# took 9.6% of a training step (1 thread) with libm's expf.
build/common/nn/loss.o build/asan/common/nn/loss.o: XCFLAGS = -O3 -fno-trapping-math
# The kernels of common/nn/kern.h, one source built once per instruction
# set; kern.c picks one at run time by what the CPU has (IMATSEG_ISA
# forces one). Only these files get -m flags: the rest of the build runs
# on any x86-64. The scalar build is kept free of vector instructions;
# the others fuse multiply-adds, which -std=c11 alone would not.
KERNISA_scalar =
KERNISA_avx2   = -mavx2 -mfma
KERNISA_avx512 = -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma \
    -mprefer-vector-width=512
KERNOPT_scalar = -O2 -fno-tree-vectorize -fno-tree-slp-vectorize
KERNOPT_avx2   = -O3 -ffp-contract=fast
KERNOPT_avx512 = -O3 -ffp-contract=fast
kern_isa = $(patsubst kern_%.o,%,$(@F))
$(foreach i,scalar avx2 avx512,build/common/nn/kern_$(i).o build/asan/common/nn/kern_$(i).o): \
    XCFLAGS = $(KERNOPT_$(kern_isa)) $(KERNISA_$(kern_isa))
$(foreach i,scalar avx2 avx512,build/fuzz/common/nn/kern_$(i).o): \
    XCFLAGS = $(KERNISA_$(kern_isa))

PROGS   = $(patsubst tools/%.c,bin/%,$(wildcard tools/*.c))
UNITSRC = $(wildcard tests/unit/test_*.c)
UNITS   = $(patsubst tests/unit/%.c,build/unit/%,$(UNITSRC))
ASANS   = $(patsubst tests/unit/%.c,build/asan/%,$(UNITSRC))
# Helper programs of the tests (tests/ref/NAME.c) and of the benchmarks
# (bench/NAME.c), linked like the tools but not installed.
REFS    = $(patsubst tests/ref/%.c,build/ref/%,$(wildcard tests/ref/*.c))
BENCHES = $(patsubst bench/%.c,build/bench/%,$(wildcard bench/*.c))
MAN1    = $(wildcard man/man1/*.1)
MAN5    = $(wildcard man/man5/*.5)
MAN7    = $(wildcard man/man7/*.7)
# V=1 shows the compiler's command lines.
Q = $(if $(V),,@)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all deps deps-debian check test demo bench fuzz install uninstall clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(PROGS) $(UNITS) $(REFS) $(BENCHES)

# Debian packages the build, the tests, the demo and the benchmarks need.
DEBS = gcc make pkg-config libvips-dev libopenblas-dev libcsv-dev \
       libjansson-dev zlib1g-dev libdeflate-dev bats bats-support bats-assert mandoc python3 \
       python3-numpy python3-pil python3-torch python3-protobuf python3-crcmod \
       gnuplot-nox chromium procps time valgrind clang libclang-rt-14-dev \
       libmicrohttpd-dev curl wrk openmpi-bin libopenmpi-dev
# The browser test's driver, playwright-core, pinned by
# tests/browser/package-lock.json and run against Debian's chromium (it
# never downloads a browser); Node.js 20 with npm must be there.
deps: deps-debian
	@[ -d tests/browser/node_modules/playwright-core ] || { \
	  command -v npm > /dev/null || { echo "deps: npm (Node.js 20) is missing"; exit 1; }; \
	  echo "deps: npm ci in tests/browser"; \
	  cd tests/browser && npm ci --no-audit --no-fund --loglevel=error; }
deps-debian:
	@missing=$$(for p in $(DEBS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing" $$missing; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else \
	  echo "deps: missing Debian packages; as root run:"; \
	  echo "  apt-get install" $$missing; exit 1; \
	fi

# One archive per layer, plain and with the sanitizers.
define LAYER_RULES
build/common/$(1)/%.o: common/$(1)/%.c $$(wildcard $$(foreach u,$(1) $$(USES_$(1)),common/$$(u)/*.h))
	@mkdir -p $$(@D)
	@echo CC $$<
	$$(Q)$$(CC) $$(WARN) $$(CFLAGS) $$(XCFLAGS) $$(call layer_cflags,$(1)) -c -o $$@ $$<
build/asan/common/$(1)/%.o: common/$(1)/%.c $$(wildcard $$(foreach u,$(1) $$(USES_$(1)),common/$$(u)/*.h))
	@mkdir -p $$(@D)
	@echo CC $$@
	$$(Q)$$(CC) $$(WARN) $$(CFLAGS) $$(XCFLAGS) $$(SANFLAGS) $$(call layer_cflags,$(1)) -c -o $$@ $$<
build/lib$(1).a: $$(patsubst common/%.c,build/common/%.o,$$(wildcard common/$(1)/*.c))
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
build/asan/lib$(1).a: $$(patsubst common/%.c,build/asan/common/%.o,$$(wildcard common/$(1)/*.c))
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call LAYER_RULES,$(l))))

# Fuzzing (tests/fuzz/NAME.c, one harness of an untrusted input each),
# with clang's libFuzzer over a clang build of the layers, ASan and UBSan.
# `make fuzz` runs each for FUZZ_SECONDS; `make check` replays every kept
# input (tests/fuzz/corpus/NAME, tests/fuzz/regress/NAME) once through
# the same binaries: deterministic, no time limit. -Wpedantic goes where
# GLib's headers need it.
FUZZ        = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZLIB     = tests/fuzz/lib/fuzz_file.c
FUZZERS     = $(patsubst %,build/fuzz/bin/%,$(FUZZ))
FUZZCC      = clang
FUZZFLAGS   = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZWARN    = $(filter-out -Wpedantic,$(WARN))
FUZZLIBS    = $(patsubst %,build/fuzz/lib%.a,$(LINKORDER))
FUZZ_SECONDS ?= 60

define FUZZ_LAYER_RULES
build/fuzz/common/$(1)/%.o: common/$(1)/%.c $$(wildcard $$(foreach u,$(1) $$(USES_$(1)),common/$$(u)/*.h))
	@mkdir -p $$(@D)
	@echo CC $$@
	$$(Q)$$(FUZZCC) $$(FUZZWARN) $$(FUZZFLAGS) $$(XCFLAGS) -fsanitize=fuzzer-no-link $$(call layer_cflags,$(1)) -c -o $$@ $$<
build/fuzz/lib$(1).a: $$(patsubst common/%.c,build/fuzz/common/%.o,$$(wildcard common/$(1)/*.c))
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call FUZZ_LAYER_RULES,$(l))))

build/fuzz/bin/%: tests/fuzz/%.c $(FUZZLIB) tests/fuzz/lib/fuzz.h $(FUZZLIBS) $(HEADERS)
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(FUZZCC) $(filter-out -Wpedantic $(CFLAGS),$(TOOLCFLAGS)) $(FUZZFLAGS) -fsanitize=fuzzer -Itests/fuzz/lib -o $@ $< $(FUZZLIB) $(FUZZLIBS) $(PKGLIBS)

# Each harness in turn, FUZZ_SECONDS each, new inputs kept under
# build/fuzz/corpus/NAME (copy the good ones to tests/fuzz/corpus/NAME),
# crashes under build/fuzz/crashes/ (keep each in tests/fuzz/regress/NAME
# once fixed); one line of executions and coverage per harness.
fuzz: $(FUZZERS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ)

bin/%: tools/%.c $(LIBS) $(HEADERS)
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(TOOLCFLAGS) -o $@ $< $(LIBS) $(XLIBS) $(PKGLIBS)

build/unit/%: tests/unit/%.c tests/unit/tap.h $(LIBS) $(HEADERS)
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(TOOLCFLAGS) -Itests/unit -o $@ $< $(LIBS) $(PKGLIBS)

build/ref/%: tests/ref/%.c $(LIBS) $(HEADERS)
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(TOOLCFLAGS) -o $@ $< $(LIBS) $(PKGLIBS)

build/bench/%: bench/%.c $(LIBS) $(HEADERS)
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(TOOLCFLAGS) -o $@ $< $(LIBS) $(XLIBS) $(PKGLIBS)

# The programs with ASan and UBSan, for the run of the whole bats suite
# under them (tests/run); share/ beside them, as beside bin/.
ASANPROGS = $(patsubst bin/%,build/asan/bin/%,$(PROGS)) build/asan/share
build/asan/bin/%: tools/%.c $(ASANLIBS) $(HEADERS)
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(TOOLCFLAGS) $(SANFLAGS) -o $@ $< $(ASANLIBS) $(XLIBS) $(PKGLIBS)
build/asan/share:
	@mkdir -p $(@D)
	ln -sfn ../../share $@

build/asan/%: tests/unit/%.c tests/unit/tap.h $(ASANLIBS) $(HEADERS)
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(TOOLCFLAGS) $(SANFLAGS) -Itests/unit -o $@ $< $(ASANLIBS) $(PKGLIBS)

# Each step in its own make so that packages installed by `deps` are seen
# by pkg-config in the steps after it.
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all $(ASANS) $(ASANPROGS) $(FUZZERS)
	@$(MAKE) --no-print-directory test

test: all $(ASANS) $(ASANPROGS) $(FUZZERS)
	@sh tests/run

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh

bench: all
	@sh bench/run

install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
	    $(DESTDIR)$(PREFIX)/share/imatseg/serve \
	    $(DESTDIR)$(PREFIX)/share/imatseg/samples
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7)
	install -m 644 share/imatseg/label_descriptions.json $(DESTDIR)$(PREFIX)/share/imatseg
	install -m 644 share/imatseg/serve/* $(DESTDIR)$(PREFIX)/share/imatseg/serve
	install -m 644 share/imatseg/samples/* $(DESTDIR)$(PREFIX)/share/imatseg/samples

uninstall:
	rm -f $(patsubst bin/%,$(DESTDIR)$(PREFIX)/bin/%,$(PROGS))
	rm -f $(patsubst man/%,$(DESTDIR)$(PREFIX)/share/man/%,$(MAN1) $(MAN5) $(MAN7))
	rm -rf $(DESTDIR)$(PREFIX)/share/imatseg

clean:
	rm -rf bin build demo-out
