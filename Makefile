# offswitch — plain GNU make. `make` builds build/offswitch; `make test` runs
# every test; `make san` builds the same under ASan+UBSan into build-san/;
# `make install PREFIX=/usr DESTDIR=...` installs like a distribution package.
#
# The user's CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are honoured as given (e.g.
# Debian's dpkg-buildflags, or `make CFLAGS=-O3`); the flags offswitch cannot
# build without live in OFS_* variables placed after them. WERROR=1 (set by
# `make check`) turns warnings into errors.
VERSION := 0.1.0
CC ?= cc
BUILD ?= build
OPT ?= -O2
SANFLAGS ?=
WERROR ?=
CFLAGS ?= $(OPT) -g
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/offswitch
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install

OFS_CPPFLAGS := -D_GNU_SOURCE $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql) -DOFS_VERSION='"$(VERSION)"'
# Error messages are cut to OFS_ERRLEN on purpose: gcc's -Wformat-truncation
# would flag every such snprintf (clang has no such warning, nor the flag).
CC_IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -q clang && echo 1)
OFS_CFLAGS := -std=c11 -Wall -Wextra -Wno-unused-parameter $(if $(CC_IS_CLANG),,-Wno-format-truncation) \
	$(if $(filter-out 0,$(WERROR)),-Werror) $(SANFLAGS)
OFS_LDFLAGS := $(SANFLAGS)
OFS_LIBS := -ljansson -lsqlite3 -lcurl -lmicrohttpd -lcrypto -lz -lm -lpthread -lyaml -lpq
# -Iinclude -Ilib come first so a user's -I cannot shadow the project's own headers.
COMPILE = $(CC) -Iinclude -Ilib $(CPPFLAGS) $(OFS_CPPFLAGS) $(CFLAGS) $(OFS_CFLAGS) -MMD -MP
LINK = $(CC) $(CFLAGS) $(OFS_CFLAGS) $(LDFLAGS) $(OFS_LDFLAGS)

LIB_SRC := $(wildcard lib/*/*.c)
CLI_SRC := $(wildcard src/*.c)
TEST_SRC := $(wildcard tests/unit/*/test_*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
COMMANDS := plan run report replay rescore export judge check import merge mock audit proxy scan worker status stop harness
MANPAGES := $(BUILD)/man/offswitch.1 $(COMMANDS:%=$(BUILD)/man/offswitch-%.1)

all: $(BUILD)/offswitch $(BUILD)/offswitch-relay $(TESTS) $(MANPAGES)

# Objects are rebuilt when the compile command changes (another CFLAGS,
# WERROR=1, another compiler), not only when a source or header does.
$(BUILD)/.flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(subst ','\'',$(COMPILE))' | cmp -s - $@ || echo '$(subst ','\'',$(COMPILE))' >$@
# The compiled-in data path (the last place ofs_default_data_dir looks) is
# only in the catalog; a new PREFIX rebuilds that one object.
$(BUILD)/.datadir: FORCE
	@mkdir -p $(dir $@)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' >$@
$(BUILD)/lib/scenario/catalog.o: OFS_CPPFLAGS += -DOFS_DATADIR='"$(DATADIR)"'
$(BUILD)/lib/scenario/catalog.o: $(BUILD)/.datadir

# Unit tests live in tests/unit/<lib folder>/ and share tests/unit/{t,support}.h.
$(BUILD)/tests/unit/%.o: OFS_CPPFLAGS += -Itests/unit

$(BUILD)/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(COMPILE) -c $< -o $@

# The archive is rebuilt from scratch, and also when a source file is removed
# (ar would keep the stale member).
$(BUILD)/.objs: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LIB_OBJ)' | cmp -s - $@ || echo '$(LIB_OBJ)' >$@
$(BUILD)/libofs.a: $(LIB_OBJ) $(BUILD)/.objs
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/offswitch: $(CLI_OBJ) $(BUILD)/libofs.a
	$(LINK) -o $@ $^ $(LDLIBS) $(OFS_LIBS)

# The relay inside harness sandboxes (src/relay/): only the libraries it uses.
$(BUILD)/offswitch-relay: $(BUILD)/src/relay/relay_main.o $(BUILD)/libofs.a
	$(LINK) -Wl,--as-needed -o $@ $^ $(LDLIBS) $(OFS_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libofs.a
	@mkdir -p $(dir $@)
	$(LINK) -o $@ $^ $(LDLIBS) $(OFS_LIBS)

# Man pages: offswitch(1) and offswitch-<command>(1), made from --help.
$(BUILD)/man/%.1: $(BUILD)/offswitch man/mkman.sh
	@mkdir -p $(dir $@)
	man/mkman.sh $(BUILD)/offswitch $* $(VERSION) '$(DATADIR)' >$@.tmp && mv $@.tmp $@

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(BUILD)/src/relay/relay_main.d $(TESTS:$(BUILD)/tests/%=$(BUILD)/tests/unit/%.d)

install: $(BUILD)/offswitch $(BUILD)/offswitch-relay $(MANPAGES)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(BUILD)/offswitch $(DESTDIR)$(BINDIR)/offswitch
	$(INSTALL) -m 755 $(BUILD)/offswitch-relay $(DESTDIR)$(BINDIR)/offswitch-relay
	cd data && find . -type d -exec $(INSTALL) -d '$(DESTDIR)$(DATADIR)/{}' ';' \
		&& find . -type f -exec $(INSTALL) -m 644 '{}' '$(DESTDIR)$(DATADIR)/{}' ';'
	chmod 755 '$(DESTDIR)$(DATADIR)'/harness/shims/[!_]*
	$(INSTALL) -m 644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/offswitch $(DESTDIR)$(BINDIR)/offswitch-relay $(MANPAGES:$(BUILD)/man/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -rf $(DESTDIR)$(DATADIR)

san:
	$(MAKE) BUILD=build-san OPT=-O1 SANFLAGS='-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=undefined'

# The in-process run's threads under ThreadSanitizer (tests/tsan.sh); only
# the command is built.
tsan:
	$(MAKE) BUILD=build-tsan OPT=-O1 SANFLAGS='-fsanitize=thread -fno-omit-frame-pointer' build-tsan/offswitch

test: all
	tests/run.sh $(BUILD)

# Everything CI runs: the suite on the normal build and under ASan+UBSan, and
# the fuzz regression; one closing line "N passed, N failed".
C_FILES = $(wildcard lib/*/*.c lib/*/*.h src/*.c src/*.h src/relay/*.c include/offswitch/*.h tests/unit/*/*.c tests/unit/*.h fuzz/*.c bench/*.c)
format:
	clang-format -i $(C_FILES)
format-check:
	@clang-format --dry-run --Werror $(C_FILES) && echo "format: ok"

# Warnings are errors here, and cppcheck must find nothing (each suppression
# is justified where it sits: `// cppcheck-suppress id` with the reason).
CPPCHECK_FLAGS := --error-exitcode=1 --enable=warning,portability,performance --inline-suppr \
	-Iinclude -Ilib -D_GNU_SOURCE --std=c11 -q
analyse:
	cppcheck $(CPPCHECK_FLAGS) lib src && echo "cppcheck: ok"

check:
	$(MAKE) format-check
	$(MAKE) analyse
	$(MAKE) WERROR=1 all
	$(MAKE) WERROR=1 san
	$(MAKE) WERROR=1 tsan
	$(MAKE) fuzz
	tests/run.sh build build-san --fuzz

clean:
	rm -rf build build-san build-tsan build-fuzz

.PHONY: all san tsan test check clean format format-check analyse install uninstall FORCE
.SECONDARY:

# libFuzzer targets (clang), with ASan+UBSan. `make fuzz-regress` runs each
# over its corpus plus a short bounded exploration.
FUZZ_TARGETS := script manifest tool_call extract wire mock paper audit proxy_keys rules shell pg_url h1 mock_shell interview harness jtree h1_url
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build-fuzz/%.o)
FUZZ_CFLAGS := -std=c11 -O1 -g -Iinclude -Ilib $(OFS_CPPFLAGS) -fsanitize=fuzzer-no-link,address,undefined
build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
build-fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@ $(OFS_LIBS)
-include $(FUZZ_LIB_OBJ:.o=.d)
fuzz: $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
fuzz-regress: fuzz
	tests/fuzz_regress.sh $(FUZZ_TARGETS)
.PHONY: fuzz fuzz-regress

# Benchmarks: `make bench` writes its figures to stdout; bench/RESULTS.md records them.
$(BUILD)/bench_loop: $(BUILD)/bench/bench_loop.o $(BUILD)/libofs.a
	$(LINK) -o $@ $^ $(LDLIBS) $(OFS_LIBS)
bench: all $(BUILD)/bench_loop
	bench/run.sh
.PHONY: bench
