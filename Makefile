# edgefw build.  `make` builds build/edgefw; `make test` runs every suite
# (needs root: the program and end-to-end tests load BPF and build network
# namespaces).  V=1 shows the commands.

VERSION    ?= 0.1.0
BUILD      ?= build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# BPF objects are built with their own flags, never the host CFLAGS.
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Wall -Wextra -Werror -ffile-prefix-map=$(CURDIR)=. \
	      -Iinclude -Ibpf -I/usr/include/$(MULTIARCH) $(BPF_EXTRA)

# CFLAGS is the user's (optimisation, sanitizers); the rest is not optional
CFLAGS   ?= -O2 -g
EF_CFLAGS := -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -DEF_VERSION='"$(VERSION)"' \
	     -ffile-prefix-map=$(CURDIR)=.
ALL_CFLAGS = $(CFLAGS) $(EF_CFLAGS)
LDLIBS   := -lbpf -lelf -lz -ljson-c
CORE_LIBS := -lz -ljson-c

# The agent in three layers (agent/README.md); each folder's sources are
# its layer, and what a layer may include is its include path:
#   agent/core  pure: policy, compiler, rendering, files; libc, json-c, zlib
#               only (the unit tests link it without libbpf)
#   agent/kern  what touches the kernel: the data path, maps, pins; uses core
#   agent/cmd   one file per command group: parse -> do -> render, calling
#               core and kern, never another command
CORE_SRCS := $(sort $(wildcard agent/core/*.c))
KERN_SRCS := $(sort $(wildcard agent/kern/*.c))
CMD_SRCS  := $(sort $(wildcard agent/cmd/*.c))
CORE_INC  := -Iinclude -Iagent/core
KERN_INC  := $(CORE_INC) -Iagent/kern -I$(BUILD)
CMD_INC   := $(KERN_INC) -Iagent/cmd
# the user's CPPFLAGS (dpkg-buildflags: -D_FORTIFY_SOURCE=2) go to every
# layer; the include paths stay each layer's own
USER_CPPFLAGS := $(CPPFLAGS)
CPPFLAGS  += $(KERN_INC)
# the policy library, built in for `edgefw init` (.incbin of policies/*.json)
TOPOLOGIES     := $(filter-out %.schema.json,$(wildcard policies/*.json))
TOPOLOGY_OBJ   := $(BUILD)/agent/core/topologies.o
# the words of the commands' usage (agent/core/usage.txt), built in
USAGE_OBJ      := $(BUILD)/agent/core/usage.o

CORE_OBJS  := $(patsubst agent/%.c,$(BUILD)/agent/%.o,$(CORE_SRCS)) $(TOPOLOGY_OBJ) $(USAGE_OBJ)
KERN_OBJS  := $(patsubst agent/%.c,$(BUILD)/agent/%.o,$(KERN_SRCS))
CMD_OBJS   := $(patsubst agent/%.c,$(BUILD)/agent/%.o,$(CMD_SRCS))
AGENT_OBJS := $(CORE_OBJS) $(KERN_OBJS) $(CMD_OBJS)

BPF_HDRS  := $(wildcard include/edgefw/*.h) $(wildcard bpf/*.h)
CORE_HDRS := $(wildcard include/edgefw/*.h) $(wildcard agent/core/*.h)
HDRS      := $(CORE_HDRS) $(wildcard agent/kern/*.h agent/cmd/*.h)

UNIT_TESTS := test_policy test_compile test_events test_parse test_stats test_lists \
	      test_init test_diff test_matrix test_golden test_sink test_control test_vocab test_cli test_flowview \
	      test_capture
UNIT_BINS  := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
# the program tests: tests/prog/harness.c and one file per concern
PROG_SRCS  := $(sort $(wildcard tests/prog/*.c))
PROG_OBJS  := $(patsubst tests/prog/%.c,$(BUILD)/tests/prog/%.o,$(PROG_SRCS))
PROG_BIN   := $(BUILD)/tests/test_prog

.PHONY: all clean test unit-test golden-update prog-test seq-test mutants mutants-check e2e-test schema-test docs-test package-test demo lint format check-asan check-valgrind bench fuzz fuzz-short
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/edgefw

$(BUILD)/edgefw.bpf.o: bpf/edgefw.bpf.c $(BPF_HDRS) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/edgefw.skel.h: $(BUILD)/edgefw.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name edgefw_bpf > $@

$(BUILD)/agent/core/%.o: agent/core/%.c $(CORE_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CPPFLAGS) $(CORE_INC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/agent/kern/%.o: agent/kern/%.c $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CPPFLAGS) $(KERN_INC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/agent/cmd/%.o: agent/cmd/%.c $(HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CPPFLAGS) $(CMD_INC) $(ALL_CFLAGS) -c $< -o $@

# files built in with .incbin
$(BUILD)/agent/core/%.o: agent/core/%.S
	$(call msg,AS,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -c $< -o $@

$(TOPOLOGY_OBJ): $(TOPOLOGIES)
$(USAGE_OBJ): agent/core/usage.txt

# only the code that loads the object needs its skeleton
$(KERN_OBJS) $(CMD_OBJS): $(BUILD)/edgefw.skel.h

$(BUILD)/edgefw: $(AGENT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD) $(BUILD)/tests:
	$(Q)mkdir -p $@

# ---- tests ------------------------------------------------------------------

# the unit tests: the pure layer alone, linked without libbpf
$(BUILD)/tests/%.o: tests/unit/%.c $(CORE_HDRS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CORE_INC) -Itests $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(CORE_LIBS) -lcmocka -o $@

$(BUILD)/tests/prog/%.o: tests/prog/%.c $(wildcard tests/prog/*.h tests/unit/*.h) $(HDRS) $(BUILD)/edgefw.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -c $< -o $@

$(PROG_BIN): $(PROG_OBJS) $(CORE_OBJS) $(KERN_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

unit-test: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

# rewrite tests/golden/ from the current output (test_golden checks it);
# read `git diff tests/golden/` before committing
golden-update: $(BUILD)/tests/test_golden
	@EF_GOLDEN_UPDATE=1 $(BUILD)/tests/test_golden

# every group; PROG_TESTS=shield (groups, tests, words, globs) runs a part
prog-test: $(PROG_BIN)
	@echo "== $(strip $(PROG_BIN) $(PROG_TESTS))"
	@$(PROG_BIN) $(PROG_TESTS)

$(BUILD)/tests/xdp_pass.bpf.o: tests/e2e/xdp_pass.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# bench/wire's live-frames generator: eventlog.sh's bursts
$(BUILD)/bench/wire/wiregen: bench/wire/wiregen.c bench/wire/gen.bpf.c include/edgefw/csum.h
	$(Q)$(MAKE) --no-print-directory -C bench/wire OUT=$(abspath $(BUILD))/bench/wire \
		$(abspath $(BUILD))/bench/wire/wiregen

e2e-test: $(BUILD)/edgefw $(BUILD)/tests/xdp_pass.bpf.o $(BUILD)/bench/wire/wiregen
	@echo "== tests/e2e/run.sh"
	@EDGEFW=$(BUILD)/edgefw tests/e2e/run.sh
	@echo "== tests/e2e/lifecycle.sh"
	@EDGEFW=$(BUILD)/edgefw tests/e2e/lifecycle.sh
	@echo "== tests/e2e/shield.sh"
	@EDGEFW=$(BUILD)/edgefw XDP_PASS_OBJ=$(BUILD)/tests/xdp_pass.bpf.o tests/e2e/shield.sh
	@echo "== tests/e2e/cli.sh"
	@EDGEFW=$(BUILD)/edgefw XDP_PASS_OBJ=$(BUILD)/tests/xdp_pass.bpf.o tests/e2e/cli.sh
	@echo "== tests/e2e/ops.sh"
	@EDGEFW=$(BUILD)/edgefw XDP_PASS_OBJ=$(BUILD)/tests/xdp_pass.bpf.o tests/e2e/ops.sh
	@echo "== tests/e2e/eventlog.sh"
	@EDGEFW=$(BUILD)/edgefw XDP_PASS_OBJ=$(BUILD)/tests/xdp_pass.bpf.o \
		WIREGEN=$(BUILD)/bench/wire/wiregen tests/e2e/eventlog.sh

# the JSON Schema and `edgefw validate` agree on every example
schema-test: $(BUILD)/edgefw
	@echo "== tests/schema/check.py"
	@EDGEFW=$(BUILD)/edgefw /usr/bin/python3 tests/schema/check.py

# the man pages render without warnings
docs-test:
	@echo "== man pages"
	@set -e; for m in docs/man/*.[0-9]; do \
		w=$$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l $$m 2>&1 >/dev/null); \
		if [ -n "$$w" ]; then echo "$$m: $$w"; exit 1; fi; echo "ok $$m"; done

test: all lint mutants-check unit-test prog-test seq-test schema-test docs-test e2e-test package-test check-systemd fuzz-short check-valgrind check-asan
	@echo "all test suites passed"

# the agent and every userspace test under ASan + UBSan (+ LeakSanitizer);
# then run.sh (short explain), lifecycle.sh, shield.sh and ops.sh drive the
# sanitized agent (the last three: about 80 + 40 + 40 s on 2 CPUs)
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
check-asan:
	$(MAKE) BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		unit-test prog-test schema-test build-asan/edgefw build-asan/tests/xdp_pass.bpf.o
	@echo "== tests/e2e/run.sh with the sanitized agent"
	@EDGEFW=build-asan/edgefw E2E_EXPLAIN=short tests/e2e/run.sh
	@echo "== tests/e2e/lifecycle.sh with the sanitized agent"
	@EDGEFW=build-asan/edgefw tests/e2e/lifecycle.sh
	@echo "== tests/e2e/shield.sh with the sanitized agent"
	@EDGEFW=build-asan/edgefw XDP_PASS_OBJ=build-asan/tests/xdp_pass.bpf.o tests/e2e/shield.sh
	@echo "== tests/e2e/ops.sh with the sanitized agent"
	@EDGEFW=build-asan/edgefw XDP_PASS_OBJ=build-asan/tests/xdp_pass.bpf.o tests/e2e/ops.sh
	@echo "sanitized suites passed"

# ---- fuzzing (clang's libFuzzer, ASan, UBSan) ------------------------------
# fuzz_packet: any frame through the reference classifier (bpf/edgefw.bpf.c
# compiled natively over emulated maps); fuzz_policy: any bytes through the
# policy parser and compiler, compiled output checked against a naive scan;
# fuzz_events: any event record and names through the direct ECS writer,
# held to json-c's line byte for byte and parsed back (strict);
# then every packet of the corpus through the reference and the real program
# (BPF_PROG_TEST_RUN): same verdict, reason and rule.  Seeds: every frame the
# program tests craft, and the example policies.  Root (the kernel half).

FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all -D_GNU_SOURCE $(KERN_INC) -Ibpf \
		-Itests/fuzz -DEF_SHIPPED_POLICY='"$(CURDIR)/policies/lync2013-scaled-edge-dnslb-public.json"'
# the pure layer, whole (its folder: sources and the built-in texts)
CORE_ALL     := $(CORE_SRCS) $(wildcard agent/core/*.S)
REF_SRCS     := tests/fuzz/ref.c tests/fuzz/shim.c tests/fuzz/fakebpf.c tests/fuzz/fuzzpolicy.c \
		$(CORE_ALL) \
		agent/kern/apply.c
FUZZ_DEPS    := $(wildcard tests/fuzz/*.[ch]) $(HDRS) $(BPF_HDRS) bpf/edgefw.bpf.c $(BUILD)/edgefw.skel.h

$(FUZZ_DIR)/fuzz_packet: $(FUZZ_DEPS) $(REF_SRCS)
	$(Q)mkdir -p $(dir $@)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer tests/fuzz/fuzz_packet.c $(REF_SRCS) -ljson-c -lz -o $@

$(FUZZ_DIR)/fuzz_policy: $(FUZZ_DEPS) $(CORE_ALL)
	$(Q)mkdir -p $(dir $@)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer tests/fuzz/fuzz_policy.c \
		$(CORE_ALL) -ljson-c -lz -o $@

$(FUZZ_DIR)/fuzz_events: tests/fuzz/fuzz_events.c $(CORE_ALL) $(HDRS)
	$(Q)mkdir -p $(dir $@)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer tests/fuzz/fuzz_events.c $(CORE_ALL) -ljson-c -lz -o $@

$(FUZZ_DIR)/ref_verdicts: $(FUZZ_DEPS) $(REF_SRCS)
	$(Q)mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -DREF tests/fuzz/verdicts.c $(REF_SRCS) -ljson-c -lz -o $@

$(FUZZ_DIR)/bpf_verdicts: $(FUZZ_DEPS) $(CORE_OBJS) $(KERN_OBJS)
	$(Q)mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/fuzz $(ALL_CFLAGS) tests/fuzz/verdicts.c tests/fuzz/fuzzpolicy.c \
		-DEF_SHIPPED_POLICY='"$(CURDIR)/policies/lync2013-scaled-edge-dnslb-public.json"' \
		$(CORE_OBJS) $(KERN_OBJS) $(LDLIBS) -o $@

# ---- stateful differential tests ----------------------------------------------
# Packet sequences (tests/fuzz/seq.c) through the kernel's enforcing program
# (seq_bpf: BPF_PROG_TEST_RUN on a test clock) and the native reference build
# of the same source (seq_ref, ASan/UBSan); tests/fuzz/seqdiff.sh compares
# their traces step by step (verdict, reason, rule, events, every table the
# program writes), and both check each step against the independent model of
# the state rules (tests/fuzz/model.c).  fuzz_seq: libFuzzer over sequences,
# reference + model.  Corpus: tests/fuzz/corpus-seq (in make test).
SEQ_SRCS := tests/fuzz/seqcore.c tests/fuzz/seq.c tests/fuzz/seqpolicy.c tests/fuzz/model.c
SEQ_DEPS := $(SEQ_SRCS) $(wildcard tests/fuzz/seq*.h tests/fuzz/model.h)

$(FUZZ_DIR)/seq_ref: tests/fuzz/seqrun.c tests/fuzz/seqimpl_ref.c $(SEQ_DEPS) $(FUZZ_DEPS) $(REF_SRCS)
	$(Q)mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -DREF tests/fuzz/seqrun.c tests/fuzz/seqimpl_ref.c $(SEQ_SRCS) \
		$(REF_SRCS) agent/kern/lists.c -ljson-c -lz -o $@

$(FUZZ_DIR)/seq_bpf: tests/fuzz/seqrun.c tests/fuzz/seqimpl_bpf.c $(SEQ_DEPS) $(FUZZ_DEPS) $(CORE_OBJS) $(KERN_OBJS)
	$(Q)mkdir -p $(dir $@)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/fuzz $(ALL_CFLAGS) \
		-DEF_SHIPPED_POLICY='"$(CURDIR)/policies/lync2013-scaled-edge-dnslb-public.json"' \
		tests/fuzz/seqrun.c tests/fuzz/seqimpl_bpf.c $(SEQ_SRCS) \
		$(CORE_OBJS) $(KERN_OBJS) $(LDLIBS) -o $@

$(FUZZ_DIR)/fuzz_seq: tests/fuzz/fuzz_seq.c tests/fuzz/seqimpl_ref.c $(SEQ_DEPS) $(FUZZ_DEPS) $(REF_SRCS)
	$(Q)mkdir -p $(dir $@)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DREF tests/fuzz/fuzz_seq.c tests/fuzz/seqimpl_ref.c \
		$(SEQ_SRCS) $(REF_SRCS) agent/kern/lists.c -ljson-c -lz -o $@

# the stateful differential over the committed corpus and a range of
# pseudo-random sequences (in make test; root)
SEQ_SEEDS ?= 60
seq-test: $(FUZZ_DIR)/seq_bpf $(FUZZ_DIR)/seq_ref
	@echo "== tests/fuzz/seqdiff.sh (kernel vs reference vs model)"
	@tests/fuzz/seqdiff.sh $(FUZZ_DIR) tests/fuzz/corpus-seq --seeds 1 $(SEQ_SEEDS)

fuzz: $(FUZZ_DIR)/fuzz_packet $(FUZZ_DIR)/fuzz_policy $(FUZZ_DIR)/fuzz_events $(FUZZ_DIR)/ref_verdicts $(FUZZ_DIR)/bpf_verdicts $(PROG_BIN) \
      $(FUZZ_DIR)/fuzz_seq $(FUZZ_DIR)/seq_bpf $(FUZZ_DIR)/seq_ref
	@mkdir -p $(FUZZ_DIR)/seed-packet $(FUZZ_DIR)/corpus-packet $(FUZZ_DIR)/corpus-policy
	@echo "== seeds: the frames of the program tests, the example policies"
	@EF_CORPUS_DIR=$(FUZZ_DIR)/seed-packet $(PROG_BIN) >/dev/null 2>&1
	@cp -f policies/*.json tests/schema/valid/*.json tests/schema/invalid/*.json $(FUZZ_DIR)/corpus-policy/
	@echo "== fuzz_packet for $(FUZZ_SECONDS) s"
	@$(FUZZ_DIR)/fuzz_packet -max_total_time=$(FUZZ_SECONDS) -max_len=1600 -print_final_stats=1 \
		$(FUZZ_DIR)/corpus-packet $(FUZZ_DIR)/seed-packet 2>$(FUZZ_DIR)/fuzz_packet.log || \
		{ tail -n 60 $(FUZZ_DIR)/fuzz_packet.log; exit 1; }
	@grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' $(FUZZ_DIR)/fuzz_packet.log | tail -2
	@echo "== fuzz_policy for $(FUZZ_SECONDS) s"
	@$(FUZZ_DIR)/fuzz_policy -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
		$(FUZZ_DIR)/corpus-policy 2>$(FUZZ_DIR)/fuzz_policy.log || \
		{ tail -n 60 $(FUZZ_DIR)/fuzz_policy.log; exit 1; }
	@grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' $(FUZZ_DIR)/fuzz_policy.log | tail -2
	@echo "== fuzz_events for $(FUZZ_SECONDS) s"
	@mkdir -p $(FUZZ_DIR)/corpus-events
	@$(FUZZ_DIR)/fuzz_events -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
		$(FUZZ_DIR)/corpus-events 2>$(FUZZ_DIR)/fuzz_events.log || \
		{ tail -n 60 $(FUZZ_DIR)/fuzz_events.log; exit 1; }
	@grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' $(FUZZ_DIR)/fuzz_events.log | tail -2
	@echo "== differential: reference vs kernel, seeds then the fuzzed corpus"
	@tests/fuzz/diff.sh $(FUZZ_DIR) $(FUZZ_DIR)/seed-packet
	@tests/fuzz/diff.sh $(FUZZ_DIR) $(FUZZ_DIR)/corpus-packet
	@echo "== fuzz_seq for $(FUZZ_SECONDS) s (sequences: reference vs model)"
	@mkdir -p $(FUZZ_DIR)/corpus-seq
	@$(FUZZ_DIR)/fuzz_seq -max_total_time=$(FUZZ_SECONDS) -max_len=1024 -print_final_stats=1 \
		$(FUZZ_DIR)/corpus-seq tests/fuzz/corpus-seq 2>$(FUZZ_DIR)/fuzz_seq.log || \
		{ grep -m 20 -A3 '^MODEL\|ERROR' $(FUZZ_DIR)/fuzz_seq.log; exit 1; }
	@grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/fuzz_seq.log
	@# what the fuzzer added, through the kernel too (tests/fuzz/corpus-seq
	@# itself went through it in seq-test)
	@if [ -n "$$(ls -A $(FUZZ_DIR)/corpus-seq)" ]; then \
		tests/fuzz/seqdiff.sh $(FUZZ_DIR) $(FUZZ_DIR)/corpus-seq; \
	else echo "fuzz_seq added no sequence: nothing new to replay through the kernel"; fi

# deliberate breaks of the data path (tests/mutants/mutants.txt), each in a
# copy of the tree: the fast suites must catch every one (root, ~1 min each)
mutants:
	@tests/mutants/run.sh

# in make test: every break of the list still applies to exactly one line
# (a change of the data path must update the list, not silently void it)
mutants-check:
	@/usr/bin/python3 tests/mutants/mutants.py check tests/mutants/mutants.txt .

# the short bounded pass CI runs
fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=15

check-valgrind: $(BUILD)/edgefw
	@echo "== tests/valgrind.sh"
	@EDGEFW=$(BUILD)/edgefw tests/valgrind.sh

# ---- benchmarks (root; reports, asserts nothing) ----------------------------

$(BUILD)/bench/bench_prog: bench/bench_prog.c $(HDRS) $(BUILD)/edgefw.skel.h $(CORE_OBJS) $(KERN_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $< $(CORE_OBJS) $(KERN_OBJS) $(LDLIBS) -o $@

$(BUILD)/bench/stageswap: bench/stageswap.c $(HDRS) $(BUILD)/edgefw.skel.h $(CORE_OBJS) $(KERN_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $< $(CORE_OBJS) $(KERN_OBJS) $(LDLIBS) -o $@

# `make bench`: root, about 7 minutes on 2 cores.  Raw outputs in bench/out/
# (ignored); bench/results.json and docs/benchmarks.md are the latest figures
# (committed).  The wire helpers build into $(BUILD)/bench/wire.
BENCH_OUT := bench/out

bench:
	@mkdir -p $(BENCH_OUT) && rm -f $(BENCH_OUT)/prog.json $(BENCH_OUT)/wire.json $(BENCH_OUT)/shield.json && \
		date +%s >$(BENCH_OUT)/started
	@$(MAKE) --no-print-directory $(BUILD)/edgefw $(BUILD)/bench/bench_prog $(BUILD)/bench/stageswap
	$(BUILD)/bench/bench_prog $(BENCH_OUT)/prog.json
	EDGEFW=$(BUILD)/edgefw WIRE_BUILD=$(BUILD)/bench/wire bench/wire/run.sh $(BENCH_OUT)/wire.json
	EDGEFW=$(BUILD)/edgefw WIRE_BUILD=$(BUILD)/bench/wire bench/shield.sh $(BENCH_OUT)/shield.json
	BENCH_BUILD=$(BUILD) /usr/bin/python3 bench/report.py $(BENCH_OUT) bench/results.json docs/benchmarks.md

# ---- Debian package -----------------------------------------------------------
# `make deb` builds build/deb/edgefw_VERSION_ARCH.deb, VERSION from
# packaging/debian/changelog, from a copy of the working tree (without .git
# and the build directories) with packaging/debian/ as debian/.  Needs
# dpkg-dev, debhelper and the Build-Depends of packaging/debian/control.
DEB_DIR := $(BUILD)/deb

.PHONY: deb
deb:
	$(Q)v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version) && \
	src=$(DEB_DIR)/edgefw-$$v && \
	rm -rf $(DEB_DIR) && mkdir -p $$src && \
	tar -cf - --exclude=./.git --exclude=./build --exclude='./build-*' \
		--exclude=./$(BUILD) --exclude=__pycache__ . | tar -C $$src -xf - && \
	rm -rf $$src/debian && cp -a packaging/debian $$src/debian && \
	cd $$src && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u BUILD dpkg-buildpackage -us -uc -b

# the package built, linted, installed, checked and purged; then the Ansible
# role against this machine with an agent in a namespace node.  Both install
# and purge the edgefw package on the machine they run on.
package-test:
	@echo "== tests/packaging/deb.sh"
	@tests/packaging/deb.sh
	@echo "== tests/packaging/ansible.sh"
	@tests/packaging/ansible.sh

# the package under a real systemd: a Debian 12 root (mmdebstrap, cached in
# $(BUILD)/systemd-root) booted with systemd-nspawn in a namespace node;
# install, start (Type=notify), reload, a refused reload, SIGKILL + Restart=,
# an upgrade to a newer build under traffic (no packet leaks), restart, stop.
# Root; needs mmdebstrap and systemd-container.  About 2 minutes.
.PHONY: check-systemd
check-systemd: $(BUILD)/tests/xdp_pass.bpf.o $(BUILD)/bench/wire/wiregen
	@echo "== tests/systemd/run.sh"
	@BUILD=$(BUILD) tests/systemd/run.sh

demo: $(BUILD)/edgefw
	scripts/demo.sh

# House style (.clang-format: the kernel's, as libbpf and xdp-tools keep it):
# every C file formatted, cppcheck's warnings on the agent, shellcheck's
# errors in the scripts.  Part of `make test`; `make format` rewrites.
C_FILES  = $(sort $(wildcard agent/*/*.[ch] bpf/*.[ch] include/edgefw/*.h tests/*/*.[ch] \
	     bench/*.c bench/wire/*.c))
SH_FILES = $(sort $(wildcard tests/lib.sh tests/*/*.sh scripts/*.sh bench/*.sh bench/wire/*.sh)) .ci/run
lint:
	@echo "== lint: clang-format, cppcheck, shellcheck"
	$(Q)clang-format --dry-run --Werror $(C_FILES)
	$(Q)cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
		--inline-suppr --suppress=missingIncludeSystem -D__x86_64__ \
		'-DLIBBPF_OPTS(type,name,...)=struct type name = {0}' \
		-Iinclude -Iagent/core -Iagent/kern -Iagent/cmd agent
	$(Q)shellcheck -S error $(SH_FILES)
	@echo "lint: clean"

format:
	clang-format -i $(C_FILES)

clean:
	rm -rf $(BUILD)
