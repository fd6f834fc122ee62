# imatseg — build, test, install, demo, bench.
# `make demo` and `make check` are the two commands a user types; both
# install missing Debian packages first (make deps).

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror
PKGS     = vips jansson openblas zlib
# Recursive (=) on purpose: pkg-config runs only when a rule needs it,
# so `make deps` works on a machine that lacks the packages.
PKGCFLAGS = $(shell pkg-config --cflags $(PKGS))
PKGLIBS   = $(shell pkg-config --libs $(PKGS)) -lcsv -ldeflate -lpthread -lm
ALLCFLAGS = $(WARN) $(CFLAGS) -Icommon $(PKGCFLAGS)

PROGS   = $(patsubst tools/%.c,bin/%,$(wildcard tools/*.c))
LIBSRC  = $(wildcard common/*.c)
LIBOBJ  = $(patsubst common/%.c,build/common/%.o,$(LIBSRC))
UNITSRC = $(wildcard tests/unit/test_*.c)
UNITS   = $(patsubst tests/unit/%.c,build/unit/%,$(UNITSRC))
ASANS   = $(patsubst tests/unit/%.c,build/asan/%,$(UNITSRC))
ASANOBJ = $(patsubst common/%.c,build/asan/common/%.o,$(LIBSRC))
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

.PHONY: all deps check test demo bench install uninstall clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(PROGS) $(UNITS) $(REFS) $(BENCHES)

# Debian packages the build, the tests, the demo and the benchmarks need.
DEBS = gcc make pkg-config libvips-dev libopenblas-dev libcsv-dev \
       libjansson-dev zlib1g-dev libdeflate-dev bats bats-support bats-assert mandoc python3 \
       python3-numpy python3-pil python3-torch gnuplot-nox \
       chromium procps time
deps:
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

build/common/%.o: common/%.c common/*.h
	@mkdir -p $(@D)
	@echo CC $<
	$(Q)$(CC) $(ALLCFLAGS) -c -o $@ $<

build/libimatseg.a: $(LIBOBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

bin/%: tools/%.c build/libimatseg.a common/*.h
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(ALLCFLAGS) -o $@ $< build/libimatseg.a $(PKGLIBS)

build/unit/%: tests/unit/%.c tests/unit/tap.h build/libimatseg.a common/*.h
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(ALLCFLAGS) -Itests/unit -o $@ $< build/libimatseg.a $(PKGLIBS)

build/ref/%: tests/ref/%.c build/libimatseg.a common/*.h
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(ALLCFLAGS) -o $@ $< build/libimatseg.a $(PKGLIBS)

build/bench/%: bench/%.c build/libimatseg.a common/*.h
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(ALLCFLAGS) -o $@ $< build/libimatseg.a $(PKGLIBS)

build/asan/common/%.o: common/%.c common/*.h
	@mkdir -p $(@D)
	@echo CC $@
	$(Q)$(CC) $(ALLCFLAGS) $(SANFLAGS) -c -o $@ $<

build/asan/%: tests/unit/%.c tests/unit/tap.h $(ASANOBJ) common/*.h
	@mkdir -p $(@D)
	@echo LD $@
	$(Q)$(CC) $(ALLCFLAGS) $(SANFLAGS) -Itests/unit -o $@ $< $(ASANOBJ) $(PKGLIBS)

# Each step in its own make so that packages installed by `deps` are seen
# by pkg-config in the steps after it.
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all $(ASANS)
	@$(MAKE) --no-print-directory test

test: all $(ASANS)
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
	    $(DESTDIR)$(PREFIX)/share/imatseg
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7)
	install -m 644 share/imatseg/label_descriptions.json $(DESTDIR)$(PREFIX)/share/imatseg

uninstall:
	rm -f $(patsubst bin/%,$(DESTDIR)$(PREFIX)/bin/%,$(PROGS))
	rm -f $(patsubst man/%,$(DESTDIR)$(PREFIX)/share/man/%,$(MAN1) $(MAN5) $(MAN7))
	rm -rf $(DESTDIR)$(PREFIX)/share/imatseg

clean:
	rm -rf bin build demo-out
