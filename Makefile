# pilotlight - one plain Makefile.
#
#   make            build build/pilotlight
#   make run        install what the build is missing (DEB_BUILD), build,
#                   run config/demo.cfg on the virtual terminal panel
#   make test       install what the tests are missing too (DEB_TEST), build
#                   with -Werror, run the whole test suite, then again under
#                   ASan + UBSan (make test-asan) whatever the first half
#                   did, and end with a summary naming both halves
#   make bench      benchmarks that print figures
#   make install    DESTDIR/PREFIX honoured; the files the package ships
#   make deps       apt-get install the Debian packages that are missing
#   make test-fresh the README's two commands in a new minimal Debian root
#                   (not part of make test; see tests/fresh/run)
#
# O=DIR puts objects elsewhere (default build/); WERROR=1 adds -Werror (CI).
# $(O)/.flags records the compiler and flags; a change rebuilds everything
# in $(O), so `make test` after `make run` does not reuse objects built
# without -Werror.

PREFIX    ?= /usr
SYSCONFDIR ?= /etc
UNITDIR   ?= /lib/systemd/system
DESTDIR   ?=
O         ?= build
CC        ?= cc
PKG_CONFIG ?= pkg-config
VERSION   := 0.1.0

PKGS      := libgpiod libpcap libconfig libsystemd libcares libcap libpcre2-8
# Headers only: libcurl is dlopen()ed when a config has http checks or
# webhooks (src/core/curl_dl.c), libmicrohttpd when it enables the metrics
# endpoint (src/core/mhd_dl.c), so nothing links them.
PKGS_DL   := libcurl libmicrohttpd
# Debian packages the build (and so the demo) and the tests need; `make
# deps-build` installs the missing build ones (what `make run` needs), `make
# deps` both.  Keep in step with README "Libraries".
DEB_BUILD := make gcc libc6-dev pkg-config libgpiod-dev libpcap-dev \
	     libconfig-dev libi2c-dev libsystemd-dev \
	     libcurl4-openssl-dev libc-ares-dev device-tree-compiler \
	     libmicrohttpd-dev libcap-dev libpcre2-dev
DEB_TEST  := libcmocka-dev python3 systemd procps monitoring-plugins-basic \
	     openssl iproute2 iptables iputils-ping dnsmasq-base dnsutils \
	     util-linux fping prometheus tcpdump dpkg-dev lintian valgrind \
	     logrotate python3-aiosmtpd devscripts clang-format

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes \
	     -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral \
	     -Wpointer-arith -Wcast-qual -Wvla
HARDEN    := -fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2 \
	     -fstack-clash-protection
# Control-flow integrity where the compiler has it for its target: CET
# (-fcf-protection) on amd64, PAC and BTI (-mbranch-protection=standard)
# on arm64; each is an error for the other's compiler, so asking $(CC)
# picks the right one (and none on armhf).  hardening-check reports them
# (tests/blackbox/hardening.py).
cc_has     = $(shell $(CC) -Werror $(1) -x c -c -o /dev/null /dev/null \
		 2>/dev/null && echo $(1))
HARDEN_CFI := $(call cc_has,-fcf-protection) \
	      $(call cc_has,-mbranch-protection=standard)
HARDEN    += $(HARDEN_CFI)
# Debian's flags for the target with every hardening feature on
# (dpkg-buildflags, hardening=+all: -O2 -g, fortify, format security,
# relro and now) unless CFLAGS/LDFLAGS are given; -O2 -g where dpkg-dev
# is missing (before `make test` installed it).  The package is this
# build, so it takes them too.
DPKG_FLAGS = $(shell DEB_BUILD_MAINT_OPTIONS=hardening=+all \
	       $(if $(filter command line,$(origin ARCH)),DEB_HOST_ARCH=$(ARCH)) \
	       dpkg-buildflags --get $(1) 2>/dev/null)
ifeq ($(origin CFLAGS),undefined)
CFLAGS    := $(or $(strip $(call DPKG_FLAGS,CPPFLAGS) \
		 $(call DPKG_FLAGS,CFLAGS)),-O2 -g)
endif
ifeq ($(origin LDFLAGS),undefined)
LDFLAGS   := $(call DPKG_FLAGS,LDFLAGS)
endif
ifeq ($(WERROR),1)
WARN      += -Werror
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) $(PKGS_DL) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -li2c
# libgpiod 1.x and 2.x have different APIs; src/hw picks one at build time.
GPIOD_V2   = $(shell $(PKG_CONFIG) --atleast-version=2 libgpiod && echo 1)

# _FILE_OFFSET_BITS: 64-bit off_t/ino_t on 32-bit Pi OS (armhf) too.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) \
	     $(HARDEN) -Iinclude \
	     -DPL_VERSION='"$(VERSION)"' \
	     -DPL_SYSCONFDIR='"$(SYSCONFDIR)"' \
	     $(if $(GPIOD_V2),-DPL_GPIOD_V2=1) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDFLAGS)

# Every .c under src/ except main.c goes into one static library that the
# binary and the tests link against.
SRCS      := $(sort $(wildcard src/*/*.c))
OBJS      := $(SRCS:%.c=$(O)/%.o)
LIB       := $(O)/libpilotlight.a
BIN       := $(O)/pilotlight

# tests/unit/test_NAME.c -> $(O)/tests/test_NAME; tests/fakes/*.c are
# link-time fakes linked into every unit test ahead of the library.
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TESTS     := $(TEST_SRCS:tests/unit/%.c=$(O)/tests/%)
FAKE_SRCS := $(sort $(wildcard tests/fakes/*.c))
FAKE_OBJS := $(FAKE_SRCS:%.c=$(O)/%.o)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# Keep test and fake objects between builds.
.SECONDARY:

.PHONY: all run test unit blackbox bench install uninstall clean deps \
	deps-build format check-format test-halves FORCE

all: $(BIN)

# Rewritten only when its text changes, so it is as old as the last change
# of compiler or flags; every object depends on it.
FLAGS_STAMP := $(O)/.flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(O)
	@printf '%s\n' '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
		printf '%s\n' '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' >$@

$(O)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(O)/src/main.o $(LIB) $(FLAGS_STAMP)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter-out $(FLAGS_STAMP),$^) $(PKG_LIBS) -lm

$(O)/tests/%: $(O)/tests/unit/%.o $(FAKE_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS) -lm

# test_curl_dl loads a libcurl too old to use, tests/fakes/dl/curl_old.c,
# from beside itself.
$(O)/tests/libcurl-old.so: tests/fakes/dl/curl_old.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $<

$(O)/tests/test_curl_dl: | $(O)/tests/libcurl-old.so

deps-build:
	@sh .ci/deps $(DEB_BUILD)

deps:
	@sh .ci/deps $(DEB_BUILD) $(DEB_TEST)

run: deps-build
	@$(MAKE) --no-print-directory all
	$(BIN) -f -c config/demo.cfg --panel=term

# Both halves run whatever the other did; each leaves its run-all summary
# in BUILD/test-logs/SUMMARY (none: it did not get as far as the tests).
test: deps
	@$(MAKE) --no-print-directory test-halves

test-halves:
	@rm -f $(O)/test-logs/SUMMARY $(ASAN_O)/test-logs/SUMMARY; \
	$(MAKE) --no-print-directory WERROR=$(or $(WERROR),1) all unit-bins \
		&& sh tests/run-all $(O); normal=$$?; \
	echo "== the same suite under AddressSanitizer + UBSan ($(ASAN_O))"; \
	$(MAKE) --no-print-directory test-asan-suite; asan=$$?; \
	echo; echo "== make test summary"; \
	for h in "$(O) (-Werror):$$normal" "$(ASAN_O) (ASan+UBSan):$$asan"; do \
		d=$${h%% *}; rc=$${h##*:}; name=$${h%:*}; \
		if [ -f "$$d/test-logs/SUMMARY" ]; then \
			res=$$(cat "$$d/test-logs/SUMMARY"); \
		else res="build failed, no tests ran"; fi; \
		if [ "$$rc" -eq 0 ]; then st=PASS; else st=FAIL; fi; \
		echo "$$st $$name: $$res"; \
	done; \
	[ "$$normal" -eq 0 ] && [ "$$asan" -eq 0 ]

unit-bins: $(TESTS)

unit: $(BIN) $(TESTS)
	@sh tests/run-all $(O) unit

blackbox: $(BIN)
	@sh tests/run-all $(O) blackbox

bench: $(BIN)
	@sh tests/run-all $(O) bench

# The files the package ships (config/debian/mkdeb adds only the Debian
# changelog and lintian overrides, and compresses the manual page);
# tests/blackbox/deb.py holds the two lists equal.
DOCDIR    ?= $(PREFIX)/share/doc/pilotlight
MANDIR    ?= $(PREFIX)/share/man

install: all
	install -Dm755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/pilotlight
	install -Dm644 config/pilotlight.cfg \
		$(DESTDIR)$(SYSCONFDIR)/pilotlight/pilotlight.cfg
	install -Dm644 config/pilotlight.service \
		$(DESTDIR)$(UNITDIR)/pilotlight.service
	install -Dm644 config/pilotlight.sysusers \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d/pilotlight.conf
	install -Dm644 config/pilotlight.logrotate \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/pilotlight
	install -Dm644 $(O)/overlays/pilotlight.dtbo \
		$(DESTDIR)$(PREFIX)/lib/pilotlight/overlays/pilotlight.dtbo
	install -Dm644 config/pilotlight.8 $(DESTDIR)$(MANDIR)/man8/pilotlight.8
	install -Dm644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -Dm644 config/debian/copyright $(DESTDIR)$(DOCDIR)/copyright

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/pilotlight \
		$(DESTDIR)$(UNITDIR)/pilotlight.service \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d/pilotlight.conf \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/pilotlight \
		$(DESTDIR)$(PREFIX)/lib/pilotlight/overlays/pilotlight.dtbo \
		$(DESTDIR)$(MANDIR)/man8/pilotlight.8 \
		$(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/copyright

# Every C source and header of the daemon, the unit tests and the fakes;
# tests/blackbox/format.py runs check-format in `make test`.
FORMAT_SRCS = $(SRCS) src/main.c include/*.h $(wildcard src/*/*.h) \
	      $(TEST_SRCS) $(wildcard tests/unit/*.h) $(FAKE_SRCS)

format:
	clang-format -i $(FORMAT_SRCS)

check-format:
	@clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	rm -rf $(O)

-include $(OBJS:.o=.d) $(O)/src/main.d $(TEST_SRCS:tests/unit/%.c=$(O)/tests/unit/%.d)

# --- libgpiod v2 path (tests only) ---
# src/hw/gpio.c is built a second time for the libgpiod 2.x API against a
# declared-only header (tests/fakes/v2/gpiod.h, ahead of the system one)
# and linked with the 2.x fake instead of the 1.x one, so the PL_GPIOD_V2
# path compiles and runs its tests on a machine with libgpiod 1.6.  The
# overlay is built with the binary.
V2_CFLAGS  = -Itests/fakes/v2 $(ALL_CFLAGS) -DPL_GPIOD_V2=1
V2_OBJS   := $(O)/tests/gpio_v2.o $(O)/tests/gpiod_v2_fake.o \
	     $(filter-out $(O)/tests/fakes/gpiod_fake.o,$(FAKE_OBJS))

$(O)/tests/gpio_v2.o: src/hw/gpio.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(V2_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/tests/gpiod_v2_fake.o: tests/fakes/v2/gpiod_v2_fake.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(V2_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/tests/test_gpio_v2: $(O)/tests/unit/hwv2/test_gpio_v2.o $(V2_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(filter-out -lgpiod,$(PKG_LIBS)) \
		$(TEST_LIBS) -lm

unit-bins: $(O)/tests/test_gpio_v2

$(O)/overlays/pilotlight.dtbo: overlays/pilotlight.dts
	@mkdir -p $(dir $@)
	dtc -@ -q -I dts -O dtb -o $@ $<

all: $(O)/overlays/pilotlight.dtbo

-include $(O)/tests/gpio_v2.d $(O)/tests/gpiod_v2_fake.d \
	$(O)/tests/unit/hwv2/test_gpio_v2.d

# --- Shipping: sanitizers, Raspberry Pi builds, packages, soak ---
#   make test-asan            unit + black-box tests against an ASan+UBSan
#                             build in $(ASAN_O) (part of `make test`)
#   make cross ARCH=arm64     build-arm64/pilotlight for a 64-bit Pi OS
#   make cross ARCH=armhf     build-armhf/pilotlight for a 32-bit Pi OS
#   make test-cross ARCH=arm64  the unit tests under qemu-user
#   make deb [ARCH=...]       build-*/pilotlight_VERSION_ARCH.deb
#   make soak                 10 minutes in the lab, RSS/fds/CPU (not CI)
# Cross builds use Debian's cross compilers and a sysroot unpacked from
# Debian's ARCH packages of this machine's release (.ci/sysroot: the
# host's dpkg is left alone), kept in $(SYSROOT) and rebuilt only when
# DEB_CROSS changes; test-cross runs each unit test under qemu-user.
ASAN_O      ?= build-asan
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	       -fno-sanitize-recover=undefined
# Not repeated under the sanitizers: builds from other build directories
# (cross, deb), fuzzers (sanitized already), valgrind (cannot run ASan
# code) and the lab's own self-test (no pilotlight code under test).
ASAN_SKIP   := cross_arm64 deb valgrind_lab fuzz_targets fuzz_decode \
	       netlab_selftest format
ASAN_ENV    := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
	       UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	       PL_SANITIZED=1 SKIP_BLACKBOX='$(ASAN_SKIP)'

NATIVE_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
# Only `make ... ARCH=arm64` selects a cross build, never an ARCH that
# happens to be in the environment.
ifneq ($(origin ARCH),command line)
ARCH        := $(NATIVE_ARCH)
endif
CROSS_TRIPLE_arm64 := aarch64-linux-gnu
CROSS_TRIPLE_armhf := arm-linux-gnueabihf
QEMU_arm64  := qemu-aarch64-static
QEMU_armhf  := qemu-arm-static
CROSS_TRIPLE = $(CROSS_TRIPLE_$(ARCH))
CACHE_DIR   := $(if $(filter 0,$(shell id -u)),/var/cache,$(HOME)/.cache)
SYSROOT     ?= $(CACHE_DIR)/pilotlight/sysroot-$(ARCH)
DEB_CROSS   := libc6-dev libgpiod-dev libpcap-dev libconfig-dev libi2c-dev \
	       libsystemd-dev libcurl4-openssl-dev libc-ares-dev \
	       libmicrohttpd-dev libcap-dev libcmocka-dev libpcre2-dev
CROSS_MAKE   = $(MAKE) --no-print-directory O=build-$(ARCH) \
	       CC='$(CROSS_TRIPLE)-gcc --sysroot=$(SYSROOT)' \
	       AR=$(CROSS_TRIPLE)-ar PKG_CONFIG=$(SYSROOT)/bin/pkg-config

.PHONY: test-asan test-asan-suite deps-cross cross test-cross deb soak check-arch

# -Werror is the normal build's gate: -O1 with sanitizers warns falsely
# (format-truncation).
test-asan: deps
	@$(MAKE) --no-print-directory test-asan-suite

test-asan-suite:
	@$(MAKE) --no-print-directory O=$(ASAN_O) WERROR=0 \
		CFLAGS='$(ASAN_CFLAGS)' LDFLAGS='-fsanitize=address,undefined' \
		all unit-bins
	@$(ASAN_ENV) sh tests/run-all $(ASAN_O)

check-arch:
	@test -n "$(CROSS_TRIPLE)" || \
		{ echo "ARCH must be arm64 or armhf (got '$(ARCH)')"; exit 2; }

deps-cross: check-arch
	@sh .ci/deps gcc-$(CROSS_TRIPLE) qemu-user-static pkg-config dpkg-dev \
		device-tree-compiler
	@sh .ci/sysroot $(ARCH) $(CROSS_TRIPLE) $(SYSROOT) $(DEB_CROSS)

cross: deps-cross
	+@$(CROSS_MAKE) WERROR=$(or $(WERROR),1) all

test-cross: deps-cross
	+@$(CROSS_MAKE) WERROR=$(or $(WERROR),1) all unit-bins
	@TEST_WRAPPER='$(QEMU_$(ARCH)) -L $(SYSROOT)' PL_QEMU=1 \
		sh tests/run-all build-$(ARCH) unit

# A .deb from a staged `make install`: native from $(O), ARCH=arm64/armhf
# from the cross build in build-$(ARCH).  See config/debian/mkdeb.  Both
# builds take dpkg-buildflags (hardening=+all) for ARCH, above.
DEB_NATIVE   = $(filter $(NATIVE_ARCH),$(ARCH))
DEB_O        = $(if $(DEB_NATIVE),$(O),build-$(ARCH))
DEB_SUBMAKE  = $(if $(DEB_NATIVE),$(MAKE) --no-print-directory O=$(O),\
		 $(CROSS_MAKE))

deb: $(if $(DEB_NATIVE),,deps-cross)
	@sh .ci/deps dpkg-dev device-tree-compiler
	+@$(DEB_SUBMAKE) WERROR=$(or $(WERROR),1) all
	@rm -rf $(DEB_O)/deb-root
	+@$(DEB_SUBMAKE) WERROR=$(or $(WERROR),1) install \
		DESTDIR=$(CURDIR)/$(DEB_O)/deb-root \
		PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system
	@sh config/debian/mkdeb $(DEB_O)/deb-root $(ARCH) $(DEB_O) \
		$(if $(DEB_NATIVE),,$(SYSROOT))

# --- traffic: fuzz and bench ---
# The decoder's libFuzzer target, tests/fuzz/fuzz_decode.c, built by clang
# (Debian clang and libclang-rt-14-dev) from the traffic sources alone with
# ASan and UBSan.  `make fuzz` runs it FUZZ_SECONDS, `make fuzz-ci`
# FUZZ_CI_SECONDS; `make test` runs the bounded one through
# tests/blackbox/fuzz_decode.py.  The corpus grows in $(O)/fuzz/corpus from
# seeds tests/lib/pcapgen.py writes (every frame of its captures); a crash
# leaves $(O)/fuzz/crash-* and fails the target.  `make bench` installs
# what the traffic benches compare against.
FUZZ_CC         ?= clang
FUZZ_SECONDS    ?= 600
FUZZ_CI_SECONDS ?= 30
FUZZ_DIR        := $(O)/fuzz
FUZZ_BIN        := $(FUZZ_DIR)/fuzz_decode
FUZZ_SRCS       := tests/fuzz/fuzz_decode.c src/traffic/decode.c \
		   src/traffic/account.c src/traffic/account_read.c \
		   src/traffic/toptable.c src/traffic/services.c \
		   src/traffic/names.c src/traffic/names_wire.c \
		   src/core/log.c src/core/clock.c
DEB_FUZZ        := clang libclang-rt-14-dev
DEB_BENCH       := darkstat pmacct time
DEB_TEST        += $(DEB_FUZZ)

.PHONY: fuzz fuzz-ci fuzz-bin bench-deps

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard include/*.h src/traffic/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(FUZZ_SRCS) -lcares -lm

fuzz-bin: $(FUZZ_BIN)

define fuzz_run
	@mkdir -p $(FUZZ_DIR)/corpus
	@python3 tests/lib/pcapgen.py corpus $(FUZZ_DIR)/seed
	$(FUZZ_BIN) -max_total_time=$(1) -max_len=2048 -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seed
endef

fuzz: $(FUZZ_BIN)
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-ci: $(FUZZ_BIN)
	$(call fuzz_run,$(FUZZ_CI_SECONDS))

bench-deps:
	@sh .ci/deps $(DEB_BENCH)

bench: bench-deps

SOAK_MINUTES ?= 10
soak: $(BIN)
	tests/bench/soak $(O) --minutes $(SOAK_MINUTES)

# The config loader's libFuzzer target, tests/fuzz/fuzz_config.c, built
# like fuzz_decode from the config sources alone (and curl_dl.c, mhd_dl.c
# and dynlib.c: a valid config with http checks dlopen()s libcurl, one with
# metrics libmicrohttpd).  `make fuzz` runs it too (FUZZ_SECONDS); `make
# fuzz-config-ci` is the bounded run that tests/blackbox/fuzz_targets.py
# does in `make test`.  Seeds: every config the tests and the repository
# hold.
FUZZ_CONFIG_BIN  := $(FUZZ_DIR)/fuzz_config
FUZZ_CONFIG_SRCS := tests/fuzz/fuzz_config.c $(wildcard src/config/*.c) \
		    src/policy/state.c src/core/curl_dl.c src/core/mhd_dl.c \
		    src/core/dynlib.c src/core/match.c src/core/clock.c \
		    src/core/template.c

.PHONY: fuzz-config fuzz-config-ci

$(FUZZ_CONFIG_BIN): $(FUZZ_CONFIG_SRCS) $(wildcard include/*.h src/config/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(FUZZ_CONFIG_SRCS) \
		$(shell $(PKG_CONFIG) --cflags --libs libconfig libpcap \
			libpcre2-8) \
		$(shell $(PKG_CONFIG) --cflags $(PKGS_DL)) -lm

define fuzz_config_run
	@mkdir -p $(FUZZ_DIR)/config-corpus $(FUZZ_DIR)/config-seed
	@cp config/*.cfg tests/configs/*/*.cfg $(FUZZ_DIR)/config-seed/
	$(FUZZ_CONFIG_BIN) -max_total_time=$(1) -max_len=65536 -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/config- \
		$(FUZZ_DIR)/config-corpus $(FUZZ_DIR)/config-seed
endef

fuzz-config: $(FUZZ_CONFIG_BIN)
	$(call fuzz_config_run,$(FUZZ_SECONDS))

fuzz-config-ci: $(FUZZ_CONFIG_BIN)
	$(call fuzz_config_run,$(FUZZ_CI_SECONDS))

fuzz: fuzz-config

# The HTTP request path's libFuzzer target, tests/fuzz/fuzz_http.c: any
# bytes as a client's stream into libmicrohttpd and our router, pages and
# /metrics.  It needs most of the library, so it is built from all of it;
# libmicrohttpd is dlopen()ed as the daemon does (mhd_dl.h).
# `make fuzz` runs it FUZZ_SECONDS; `make fuzz-http-ci` is the bounded run
# of tests/blackbox/fuzz_targets.py in `make test`.
FUZZ_HTTP_BIN  := $(FUZZ_DIR)/fuzz_http
FUZZ_HTTP_SRCS := tests/fuzz/fuzz_http.c $(SRCS)

.PHONY: fuzz-http fuzz-http-ci

$(FUZZ_HTTP_BIN): $(FUZZ_HTTP_SRCS) $(wildcard include/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -g -O1 \
		-Iinclude -DPL_VERSION='"$(VERSION)"' \
		-DPL_SYSCONFDIR='"$(SYSCONFDIR)"' \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(FUZZ_HTTP_SRCS) \
		$(PKG_CFLAGS) $(PKG_LIBS) -lm

define fuzz_http_run
	@mkdir -p $(FUZZ_DIR)/http-corpus $(FUZZ_DIR)/http-seed
	@printf 'GET /metrics HTTP/1.1\r\nHost: pi\r\n\r\n' \
		>$(FUZZ_DIR)/http-seed/metrics
	@printf 'GET / HTTP/1.0\r\n\r\n' >$(FUZZ_DIR)/http-seed/status
	@printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
		>$(FUZZ_DIR)/http-seed/healthz
	$(FUZZ_HTTP_BIN) -max_total_time=$(1) -max_len=16384 -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/http- \
		$(FUZZ_DIR)/http-corpus $(FUZZ_DIR)/http-seed
endef

fuzz-http: $(FUZZ_HTTP_BIN)
	$(call fuzz_http_run,$(FUZZ_SECONDS))

fuzz-http-ci: $(FUZZ_HTTP_BIN)
	$(call fuzz_http_run,$(FUZZ_CI_SECONDS))

fuzz: fuzz-http

# The regex matcher's libFuzzer target, tests/fuzz/fuzz_match.c: any
# pattern (as a config gives it) against any reply (as a checked server
# sends it) through match.h.  -timeout=10 turns a match that outlives its
# budget into a failure.  `make fuzz` runs it FUZZ_SECONDS; `make
# fuzz-match-ci` is the bounded run of tests/blackbox/fuzz_targets.py.
# Seeds: the issue's pattern and reply, and a few everyday ones.
FUZZ_MATCH_BIN  := $(FUZZ_DIR)/fuzz_match
FUZZ_MATCH_SRCS := tests/fuzz/fuzz_match.c src/core/match.c src/core/clock.c

.PHONY: fuzz-match fuzz-match-ci

$(FUZZ_MATCH_BIN): $(FUZZ_MATCH_SRCS) include/match.h include/clock.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(FUZZ_MATCH_SRCS) \
		$(shell $(PKG_CONFIG) --cflags --libs libpcre2-8)

define fuzz_match_run
	@mkdir -p $(FUZZ_DIR)/match-corpus $(FUZZ_DIR)/match-seed
	@printf '\000(a+)+\\1b\000%s' $$(printf 'a%.0s' $$(seq 2000)) \
		>$(FUZZ_DIR)/match-seed/backref
	@printf '\001^SSH-2\\.0-\000SSH-2.0-OpenSSH_9.2\r\n' \
		>$(FUZZ_DIR)/match-seed/banner
	@printf '\000"status":\\s*"ok"\000{"status": "ok"}\n' \
		>$(FUZZ_DIR)/match-seed/json
	$(FUZZ_MATCH_BIN) -max_total_time=$(1) -max_len=8192 -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/match- \
		$(FUZZ_DIR)/match-corpus $(FUZZ_DIR)/match-seed
endef

fuzz-match: $(FUZZ_MATCH_BIN)
	$(call fuzz_match_run,$(FUZZ_SECONDS))

fuzz-match-ci: $(FUZZ_MATCH_BIN)
	$(call fuzz_match_run,$(FUZZ_CI_SECONDS))

fuzz: fuzz-match

# --- a fresh machine ---
# The README's two commands, taken from README.md, in a new minimal Debian
# root (mmdebstrap): tests/fresh/run says what it needs and does.  Not part
# of `make test`: it downloads a system and runs the suite once more.
FRESH_DIR ?= /var/tmp/pilotlight-fresh

.PHONY: test-fresh

test-fresh:
	@sh tests/fresh/run $(FRESH_DIR)
