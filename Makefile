# offswitch — plain GNU make. `make` builds build/offswitch; `make test` runs
# every test; `make san` builds the same under ASan+UBSan into build-san/.
VERSION := 0.1.0
CC ?= cc
BUILD ?= build
OPT ?= -O2
SANFLAGS ?=
CFLAGS ?= $(OPT) -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -Iinclude -DOFS_VERSION='"$(VERSION)"' $(SANFLAGS)
LDLIBS := -ljansson -lsqlite3 -lm
LDFLAGS += $(SANFLAGS)

LIB_SRC := $(wildcard lib/*.c)
CLI_SRC := $(wildcard src/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/offswitch $(TESTS)

$(BUILD)/%.o: %.c $(wildcard include/offswitch/*.h) src/cli.h tests/unit/t.h
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

clean:
	rm -rf build build-san build-fuzz

.PHONY: all san test clean
.SECONDARY:
