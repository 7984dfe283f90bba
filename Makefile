# offswitch — plain GNU make. `make` builds build/offswitch; `make test` runs
# every test; `make san` builds the same under ASan+UBSan into build-san/.
VERSION := 0.1.0
CC ?= cc
BUILD ?= build
OPT ?= -O2
SANFLAGS ?=
CFLAGS ?= $(OPT) -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -Iinclude -Ilib -DOFS_VERSION='"$(VERSION)"' $(SANFLAGS)
LDLIBS := -ljansson -lsqlite3 -lcurl -lmicrohttpd -lm -lpthread
LDFLAGS += $(SANFLAGS)

LIB_SRC := $(wildcard lib/*/*.c)
CLI_SRC := $(wildcard src/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/offswitch $(TESTS)

$(BUILD)/%.o: %.c $(wildcard include/offswitch/*.h lib/*/*.h) src/cli.h tests/unit/t.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libofs.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/offswitch: $(CLI_OBJ) $(BUILD)/libofs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libofs.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

san:
	$(MAKE) BUILD=build-san OPT=-O1 SANFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined'

test: all
	tests/run.sh $(BUILD)

# Everything CI runs: the suite on the normal build and under ASan+UBSan, and
# the fuzz regression; one closing line "N passed, N failed".
C_FILES = $(wildcard lib/*/*.c lib/*/*.h src/*.c src/*.h include/offswitch/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c bench/*.c)
format:
	clang-format -i $(C_FILES)
format-check:
	@clang-format --dry-run --Werror $(C_FILES) && echo "format: ok"

check:
	$(MAKE) format-check
	$(MAKE) all
	$(MAKE) san
	$(MAKE) fuzz
	tests/run.sh build build-san --fuzz

clean:
	rm -rf build build-san build-fuzz

.PHONY: all san test check clean format format-check
.SECONDARY:

# libFuzzer targets (clang), with ASan+UBSan. `make fuzz-regress` runs each
# over its corpus plus a short bounded exploration.
FUZZ_TARGETS := script manifest tool_call extract wire mock
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build-fuzz/%.o)
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Iinclude -Ilib -DOFS_VERSION='"$(VERSION)"' -fsanitize=fuzzer-no-link,address,undefined
build-fuzz/%.o: %.c $(wildcard include/offswitch/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@
build-fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)
fuzz: $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
fuzz-regress: fuzz
	tests/fuzz_regress.sh $(FUZZ_TARGETS)
.PHONY: fuzz fuzz-regress

# Benchmarks: `make bench` writes its figures to stdout; bench/RESULTS.md records them.
$(BUILD)/bench_loop: $(BUILD)/bench/bench_loop.o $(BUILD)/libofs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
bench: all $(BUILD)/bench_loop
	bench/run.sh
.PHONY: bench
