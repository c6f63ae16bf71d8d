# SPDX-License-Identifier: GPL-2.0
#
# sipfp top-level build.
#
#   make            userspace: libsip, tools, benchmarks (into build/)
#   make check      every test suite, built with ASan+UBSan (build/san/)
#   make man        check the man pages (man/) with groff's warnings on
#   make fuzz       libFuzzer harnesses, long run (FUZZ_SECONDS per harness)
#   make bench      every benchmark, key=value lines
#   make module     kmod/ against KDIR
#   make install    sipfpd, sipctl, libsipctl into DESTDIR/PREFIX (/usr/local)
#   make install-dkms  the module's source into DESTDIR/usr/src, for DKMS
#   make deps       install the Debian packages the project needs
#   make demo       the README's main job
#   make docs       Documentation/ to HTML (build/docs/html), warnings fail
#   make docs-plots redraw the performance page's plots from their numbers
#
# V=1 shows full commands.

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n'
endif

SAN ?= 0
CC ?= gcc
CLANG ?= clang
O ?= build
ifeq ($(SAN),1)
B := $(O)/san
else
B := $(O)
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Idaemon -Ikmod/uapi -Ilibsipctl
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -fno-strict-aliasing
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# --- libsip: the SIP/SDP message layer, shared by the daemon and tests ---
LIBSIP_SRCS := $(sort $(wildcard daemon/sip/*.c))
LIBSIP_OBJS := $(LIBSIP_SRCS:%.c=$(B)/%.o)
LIBSIP := $(B)/daemon/sip/libsip.a

# --- libsipctl: <sipctl.h> over libmnl.  An archive for sipfpd and the
# tests, and for other programs a shared object whose soname carries the
# ABI's major number and whose map (libsipctl.map) exports only sipctl_* ---
LIBSIPCTL_VERSION := 0.2.0
LIBSIPCTL_SRCS := $(sort $(wildcard libsipctl/*.c))
LIBSIPCTL := $(B)/libsipctl/libsipctl.a
LIBSIPCTL_SO := $(B)/libsipctl/libsipctl.so.$(LIBSIPCTL_VERSION)
LIBSIPCTL_PC := $(B)/libsipctl/libsipctl.pc
MNL_LIBS := $(shell pkg-config --libs libmnl 2>/dev/null || echo -lmnl)
# the daemon backend reads JSON, the XDP one opens pinned maps
LIBSIPCTL_LIBS := $(MNL_LIBS) \
	$(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) \
	$(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)

# --- where `make install` puts things (under DESTDIR). sipfpd reads
# /etc/sipfp whatever PREFIX is, so its configuration goes there, and DKMS
# looks for module sources in /usr/src only. debian/rules sets PREFIX=/usr
# and the multiarch LIBDIR ---
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SRC := /usr/src/sipfp-$(DKMS_VERSION)

# --- sipfpd: daemon/*.c; everything but main.c also goes into an archive
# that unit tests link, so a test pulls in only the modules it uses ---
DAEMON_SRCS := $(sort $(wildcard daemon/*.c))
DAEMON_LIB_OBJS := $(filter-out $(B)/daemon/main.o,$(DAEMON_SRCS:%.c=$(B)/%.o))
LIBSIPFPD := $(B)/daemon/libsipfpd.a
DAEMON_LIBS := $(shell pkg-config --libs inih libssl libcrypto sqlite3 libcap-ng json-c 2>/dev/null) \
	$(MNL_LIBS) $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lm
SIPFPD := $(if $(wildcard daemon/main.c),$(B)/daemon/sipfpd)

# --- the XDP program: clang -target bpf, then a libbpf skeleton that
# embeds the object, so the loader and tests open no file at run time.
# The program reads only UAPI structs (xdp_md), so no vmlinux.h or CO-RE.
# <linux/bpf.h> wants <asm/types.h>, which Debian keeps in the multiarch
# directory that clang's bpf target does not search by itself.
# DAEMON: an object that includes sipfp_xdp.skel.h takes
#   CPPFLAGS += -I$(B)/daemon/bpf -Idaemon/bpf
# and an order-only dependency on $(XDP_SKEL) (| $(XDP_SKEL)); -MMD then
# records the real one after the first build.
BPF_CFLAGS := -target bpf -g -O2 -Wall -Werror -Idaemon/bpf \
	-idirafter /usr/include/$(shell gcc -print-multiarch 2>/dev/null)
XDP_OBJ := $(B)/daemon/bpf/sipfp_xdp.bpf.o
XDP_SKEL := $(B)/daemon/bpf/sipfp_xdp.skel.h
BPFTOOL ?= bpftool
XDP_PASS_OBJ := $(B)/selftests/net/xdp_pass.bpf.o
LIBBPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)

# --- sipctl: the command line over <sipctl.h>, a file per subcommand;
# its man pages (and sipfpd's) are checked by `make man` ---
SIPCTL_SRCS := $(sort $(wildcard sipctl/*.c))
SIPCTL := $(if $(SIPCTL_SRCS),$(B)/sipctl/sipctl)
MAN_PAGES := $(sort $(wildcard man/*.[0-9]))

# --- tools ---
TOOLS := $(B)/tools/sipdump

# --- benchmarks: every tools/bench/bench_*.c is one program, and every
# bench_*.sh a script run against the built daemon ---
BENCH_SRCS := $(sort $(wildcard tools/bench/bench_*.c))
BENCHES := $(BENCH_SRCS:%.c=$(B)/%)
BENCH_SCRIPTS := $(sort $(wildcard tools/bench/bench_*.sh))
# programs the scripts run (not benchmarks themselves: `make bench` does
# not run them)
BENCH_HELPERS := $(B)/tools/bench/rtpblast $(B)/tools/bench/flowadd \
	$(B)/tools/bench/xdpgen $(B)/tools/bench/xdpflows

# --- unit tests: every selftests/unit/test_*.c is one CUnit program ---
UNIT_SRCS := $(sort $(wildcard selftests/unit/test_*.c))
UNITS := $(UNIT_SRCS:%.c=$(B)/%)
UNIT_LIB_SRCS := $(filter-out $(UNIT_SRCS),$(wildcard selftests/unit/*.c))
UNIT_LIB_OBJS := $(UNIT_LIB_SRCS:%.c=$(B)/%.o)

# --- fuzzers: clang, libFuzzer, ASan+UBSan, into $(O)/fuzz ---
FUZZ_SRCS := $(sort $(wildcard selftests/fuzz/fuzz_*.c))
FUZZ_FLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -Idaemon -Ikmod/uapi \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZERS := $(FUZZ_SRCS:selftests/fuzz/%.c=$(O)/fuzz/%)
FUZZ_SECONDS ?= 60
# A harness of daemon modules names their sources and libraries here.
FUZZ_EXTRA_fuzz_digest := daemon/digest.c daemon/users.c \
	$(shell pkg-config --libs libcrypto 2>/dev/null)
FUZZ_EXTRA_fuzz_sipctl_nl := -Ilibsipctl libsipctl/msg.c libsipctl/rx.c $(MNL_LIBS)
FUZZ_EXTRA_fuzz_control := daemon/control_parse.c -ljson-c
FUZZ_EXTRA_fuzz_sipctl_daemon := -Ilibsipctl libsipctl/daemon_json.c -ljson-c
FUZZ_EXTRA_fuzz_metrics := daemon/metrics_http.c

all: $(LIBSIP) $(LIBSIPCTL) $(LIBSIPCTL_SO) $(LIBSIPCTL_PC) $(SIPFPD) \
	$(SIPCTL) $(TOOLS) $(BENCHES) $(BENCH_HELPERS) $(XDP_SKEL) $(XDP_PASS_OBJ)

$(B)/%.o: %.c
	$(quiet) CC $@
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# A shorter stem than $(B)/%.o's, so make picks this rule for .bpf.o.
$(B)/daemon/bpf/%.bpf.o: daemon/bpf/%.bpf.c
	$(quiet) BPF $@
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<

# the XDP media tests' probe: does native XDP attach to veth here?
$(B)/selftests/net/%.bpf.o: selftests/net/%.bpf.c
	$(quiet) BPF $@
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<

# the XDP backend's loader embeds the program through its skeleton
$(B)/daemon/fastpath_xdp_load.o: CPPFLAGS += -I$(B)/daemon/bpf
$(B)/daemon/fastpath_xdp_load.o: | $(XDP_SKEL)

$(B)/daemon/bpf/%.skel.h: $(B)/daemon/bpf/%.bpf.o
	$(quiet) GEN $@
	$(Q)$(BPFTOOL) gen skeleton $< name $* >$@

# bench_xdp.sh's generator, sink and timer (xdpgen), skeleton and all
$(B)/tools/bench/%.bpf.o: tools/bench/%.bpf.c
	$(quiet) BPF $@
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itools/bench -MMD -MP -c -o $@ $<

$(B)/tools/bench/%.skel.h: $(B)/tools/bench/%.bpf.o
	$(quiet) GEN $@
	$(Q)$(BPFTOOL) gen skeleton $< name $* >$@

$(LIBSIP): $(LIBSIP_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBSIPCTL): $(LIBSIPCTL_SRCS:%.c=$(B)/%.o)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/libsipctl/%.pic.o: libsipctl/%.c
	$(quiet) CC $@
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -MMD -MP -c -o $@ $<

$(LIBSIPCTL_SO): $(LIBSIPCTL_SRCS:%.c=$(B)/%.pic.o) libsipctl/libsipctl.map
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libsipctl.so.0 \
		-Wl,--version-script,libsipctl/libsipctl.map -Wl,-z,defs \
		-o $@ $(filter %.o,$^) $(LIBSIPCTL_LIBS)
	$(Q)ln -sf $(notdir $@) $(dir $@)libsipctl.so.0
	$(Q)ln -sf libsipctl.so.0 $(dir $@)libsipctl.so

$(LIBSIPCTL_PC): libsipctl/libsipctl.pc.in Makefile
	$(quiet) GEN $@
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$${prefix}/lib|' \
		-e 's|@INCLUDEDIR@|$${prefix}/include|' \
		-e 's|@VERSION@|$(LIBSIPCTL_VERSION)|' $< >$@

$(LIBSIPFPD): $(DAEMON_LIB_OBJS)
	$(quiet) AR $@
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/daemon/sipfpd: $(B)/daemon/main.o $(LIBSIPFPD) $(LIBSIP) $(LIBSIPCTL)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(B)/sipctl/sipctl.o: CPPFLAGS += -DSIPCTL_VERSION='"$(LIBSIPCTL_VERSION)"'
$(SIPCTL): $(SIPCTL_SRCS:%.c=$(B)/%.o) $(LIBSIPCTL)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBSIPCTL_LIBS)

# groff's warnings are errors here: a page that renders with one is wrong
man:
	$(Q)for m in $(MAN_PAGES); do \
		echo "  MAN     $$m"; \
		out=$$(groff -man -ww -z $$m 2>&1); \
		if [ -n "$$out" ]; then echo "$$out" >&2; exit 1; fi; \
	done

# --- install: what the packages ship (debian/rules runs `progs`, then
# `install` and `install-dkms` with DESTDIR), also usable from source ---
progs: $(LIBSIPCTL) $(LIBSIPCTL_SO) $(SIPFPD) $(SIPCTL)

# The installed .pc names the install's directories, not the build's.
install: progs
	$(quiet) INSTALL $(DESTDIR)$(PREFIX)
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	$(Q)install -m 0755 $(SIPFPD) $(SIPCTL) $(DESTDIR)$(SBINDIR)/
	$(Q)install -m 0644 $(LIBSIPCTL_SO) $(LIBSIPCTL) $(DESTDIR)$(LIBDIR)/
	$(Q)ln -sf $(notdir $(LIBSIPCTL_SO)) $(DESTDIR)$(LIBDIR)/libsipctl.so.0
	$(Q)ln -sf libsipctl.so.0 $(DESTDIR)$(LIBDIR)/libsipctl.so
	$(Q)install -m 0644 libsipctl/sipctl.h $(DESTDIR)$(INCLUDEDIR)/
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(LIBSIPCTL_VERSION)|' libsipctl/libsipctl.pc.in \
		>$(DESTDIR)$(LIBDIR)/pkgconfig/libsipctl.pc
	$(Q)install -m 0644 $(filter %.5,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man5/
	$(Q)install -m 0644 $(filter %.8,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man8/
	$(Q)install -m 0644 completion/sipctl $(DESTDIR)$(BASHCOMPDIR)/sipctl
	@# an admin's configuration is never overwritten
	$(Q)test -e $(DESTDIR)$(SYSCONFDIR)/sipfp/sipfpd.conf || \
		install -D -m 0644 daemon/sipfpd.conf \
			$(DESTDIR)$(SYSCONFDIR)/sipfp/sipfpd.conf

# The module's source as dkms.conf wants it; then `dkms install
# sipfp/$(DKMS_VERSION)` builds it for a kernel.
install-dkms:
	$(quiet) INSTALL $(DESTDIR)$(DKMS_SRC)
	$(Q)install -d $(DESTDIR)$(DKMS_SRC)/kmod/uapi/linux
	$(Q)install -m 0644 dkms.conf Kbuild $(DESTDIR)$(DKMS_SRC)/
	$(Q)install -m 0644 $(wildcard kmod/*.[ch]) $(DESTDIR)$(DKMS_SRC)/kmod/
	$(Q)install -m 0644 kmod/uapi/linux/sipfp.h \
		$(DESTDIR)$(DKMS_SRC)/kmod/uapi/linux/

.PHONY: progs install install-dkms

$(B)/tools/sipdump: $(B)/tools/sipdump.o $(LIBSIP)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(B)/tools/bench/%: $(B)/tools/bench/%.o $(LIBSIP)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lm $(BENCH_LIBS_$*)

# the baseline parser, measured beside ours in the same run
BENCH_LIBS_bench_parse := -losipparser2
# bench_kmod.sh's flow installer, in the VM
$(B)/tools/bench/flowadd: $(LIBSIPCTL)
BENCH_LIBS_flowadd := $(MNL_LIBS)
# bench_xdp.sh's: the live-frames generator and sipfp_xdp's loader
$(B)/tools/bench/xdpgen.o: CPPFLAGS += -I$(B)/tools/bench -Itools/bench
$(B)/tools/bench/xdpgen.o: | $(B)/tools/bench/xdpgen.skel.h
BENCH_LIBS_xdpgen := $(LIBBPF_LIBS)
BENCH_LIBS_xdpflows := $(LIBBPF_LIBS)

$(B)/selftests/unit/%: $(B)/selftests/unit/%.o $(UNIT_LIB_OBJS) $(LIBSIPFPD) $(LIBSIP) \
	$(LIBSIPCTL)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter-out %.o,$^) \
		-lcunit $(DAEMON_LIBS)

# test_fp_* programs link the fake event loop (selftests/unit/fp/); the
# objects go before the libraries so that its ev_*() stand for
# libsipfpd's.
FP_UNITS := $(filter $(B)/selftests/unit/test_fp_%,$(UNITS))
FP_UNIT_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard selftests/unit/fp/*.c))
$(FP_UNITS): $(FP_UNIT_OBJS)
$(FP_UNITS:%=%.o) $(FP_UNIT_OBJS): CPPFLAGS += -Iselftests/unit/fp

# The XDP program under BPF_PROG_TEST_RUN, through its skeleton: the
# test_xdp_* programs link their harness (selftests/unit/xdp/), which no
# other unit program needs (libbpf comes with DAEMON_LIBS).
XDP_UNITS := $(filter $(B)/selftests/unit/test_xdp_%,$(UNITS))
XDP_UNIT_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard selftests/unit/xdp/*.c))
$(XDP_UNITS): $(XDP_UNIT_OBJS)
$(XDP_UNITS:%=%.o) $(XDP_UNIT_OBJS): CPPFLAGS += -I$(B)/daemon/bpf \
	-Idaemon/bpf -Iselftests/unit/xdp
$(XDP_UNITS:%=%.o) $(XDP_UNIT_OBJS): | $(XDP_SKEL)

$(O)/fuzz/fuzz_digest: daemon/digest.c daemon/users.c daemon/digest.h \
	daemon/users.h
$(O)/fuzz/fuzz_control: daemon/control_parse.c daemon/control.h
$(O)/fuzz/fuzz_metrics: daemon/metrics_http.c daemon/metrics.h
$(O)/fuzz/fuzz_sipctl_nl: libsipctl/msg.c libsipctl/rx.c libsipctl/internal.h \
	libsipctl/sipctl.h kmod/uapi/linux/sipfp.h
$(O)/fuzz/fuzz_sipctl_daemon: libsipctl/daemon_json.c libsipctl/internal.h \
	libsipctl/sipctl.h

$(O)/fuzz/%: selftests/fuzz/%.c $(LIBSIP_SRCS) $(wildcard daemon/sip/*.h)
	$(quiet) FUZZ $@
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $< $(LIBSIP_SRCS) $(FUZZ_EXTRA_$*)

# Test build: sanitizers on, in its own tree so it never mixes objects.
unit-build:
ifneq ($(UNITS),)
	$(Q)$(MAKE) --no-print-directory SAN=1 $(UNITS:$(B)/%=$(O)/san/%)
endif

fuzz-build: $(FUZZERS)

check: all unit-build fuzz-build man
	$(Q)$(MAKE) --no-print-directory -C selftests run_tests O=$(abspath $(O))

fuzz: fuzz-build
	$(Q)for f in $(FUZZERS); do \
		n=$$(basename $$f); \
		mkdir -p $(O)/fuzz/corpus-$$n; \
		echo "  FUZZ    $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(O)/fuzz/corpus-$$n selftests/fuzz/corpus/$$n || exit 1; \
	done

bench: $(BENCHES) $(BENCH_HELPERS) $(SIPFPD) $(XDP_OBJ)
	$(Q)for b in $(BENCHES); do $$b || exit 1; done
	$(Q)for b in $(BENCH_SCRIPTS); do O=$(O) $$b || exit 1; done

# The module: against KDIR, else the running kernel's headers, else the
# newest installed headers (by version: 6.12 is newer than 6.9). O= keeps
# our build directory away from the kernel's make, which reads O too.
KDIR ?= $(patsubst %/Makefile,%,$(firstword \
	$(wildcard /lib/modules/$(shell uname -r)/build/Makefile) \
	$(shell ls -d /lib/modules/*/build/Makefile 2>/dev/null | sort -rV)))
module:
	@test -n "$(KDIR)" || { echo "make module: no kernel headers found; install linux-headers-amd64 or set KDIR" >&2; exit 1; }
	@echo "  MODULE  against $(KDIR)"
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) O= W=1 modules

module-clean:
	@test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) O= clean

# Documentation/: Sphinx from Debian, -W so that a warning (a broken
# reference, a config key the reference lacks) fails the build.  Debian's
# python3 rather than the first in PATH: Sphinx, yaml and matplotlib are
# its packages.  -E: a fresh environment each time, since the pages
# generated from headers and specs change without their .rst changing.
DOCS_PYTHON ?= /usr/bin/python3
DOCS_OUT := $(O)/docs
docs:
	$(quiet) SPHINX $(DOCS_OUT)/html
	$(Q)$(DOCS_PYTHON) -m sphinx -b html -E -W --keep-going -q \
		-d $(DOCS_OUT)/doctrees Documentation $(DOCS_OUT)/html

docs-plots:
	$(quiet) PLOT Documentation/perf
	$(Q)$(DOCS_PYTHON) Documentation/tools/perfplot.py Documentation/perf

deps:
	$(Q)tools/deps.sh

demo: all
	$(Q)tools/demo.sh

clean: module-clean
	rm -rf $(O)

.PHONY: docs docs-plots man all check unit-build fuzz-build fuzz bench module module-clean deps demo clean

-include $(shell find $(O) -name '*.d' 2>/dev/null)
