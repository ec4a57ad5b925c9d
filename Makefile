# smip — build, run and test. `make run` and `make test` are the two commands of the README.

SHELL := /bin/bash
ifeq ($(origin CC),default)
CC := cc
endif
PKGS := libmicrohttpd jansson sqlite3 libpq libsodium libutf8proc libmagic \
        cairo pangocairo libqrencode xlsxwriter libzip
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lmagic -lcrypt -lpthread -lm

WARN := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2
REL_FLAGS := -O2 -g
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRC := $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRC := $(filter-out src/main.c,$(SRC))
ASSETS := $(sort $(wildcard templates/*.html static/* data/*.csv data/*.json src/store/migrations/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
HDRS := $(wildcard src/*.h src/*/*.h)

REL_OBJ := $(patsubst %.c,build/rel/%.o,$(LIB_SRC))
ASAN_OBJ := $(patsubst %.c,build/asan/%.o,$(LIB_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRC))

DB ?= demo/smip.db
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps run test unit api pg test-pg scale e2e clean format bench demo
all: build/smip

# The libFuzzer harnesses: make fuzz, make fuzz-run (docs/fuzzing.md).
include mk/fuzz.mk

deps:
	@bash scripts/install-deps.sh

build/embed: tools/embed.c
	@mkdir -p build
	$(CC) -O1 -o $@ $<

build/gen/assets.c: build/embed $(ASSETS)
	@mkdir -p build/gen
	build/embed $@ $(ASSETS)

build/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(REL_FLAGS) -Isrc $(PKG_CFLAGS) -c -o $@ $<

build/asan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(ASAN_FLAGS) -Isrc $(PKG_CFLAGS) -c -o $@ $<

build/smip: $(REL_OBJ) build/rel/src/main.o build/rel/build/gen/assets.o
	$(CC) $(REL_FLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/smip: $(ASAN_OBJ) build/asan/src/main.o build/asan/build/gen/assets.o
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

# A fault the API tests preload into a server (tests/api/test_flush_failure.py): no sanitizer,
# it only wraps fdatasync.
build/fault/fail_wal_flush.so: tests/fault/fail_wal_flush.c tests/fault/fault_wal.h
	@mkdir -p build/fault
	$(CC) $(WARN) -O1 -shared -fPIC -o $@ $< -ldl

# Another (tests/api/test_read_failure.py): fails chosen SELECTs of SQLite, as a bad disk would.
build/fault/fail_read.so: tests/fault/fail_read.c
	@mkdir -p build/fault
	$(CC) $(WARN) -O1 -shared -fPIC -o $@ $< -ldl

build/asan/unit/%: tests/unit/%.c $(ASAN_OBJ) build/asan/build/gen/assets.o $(HDRS) $(wildcard tests/unit/*.h) tests/fault/fault_wal.h
	@mkdir -p build/asan/unit
	$(CC) $(WARN) $(ASAN_FLAGS) -Isrc $(PKG_CFLAGS) -o $@ $< $(ASAN_OBJ) build/asan/build/gen/assets.o $(PKG_LIBS) -lcmocka

# make run: install, build, create the demo database once, serve on 127.0.0.1:8080.
run: deps build/smip
	@mkdir -p $(dir $(DB))
	@if [ ! -f $(DB) ]; then ./build/smip demo --db $(DB); else echo "demo database $(DB) exists (delete it for a fresh one)"; fi
	./build/smip serve --db $(DB) --listen $(LISTEN)

# make test: install, build with ASan/UBSan (and the fuzz harnesses), run unit, fuzz, API and
# browser suites, one summary line.
test: deps build/asan/smip $(UNIT_BIN) build/fault/fail_wal_flush.so build/fault/fail_read.so $(FUZZ_BIN)
	@bash scripts/run-tests.sh

unit: build/asan/smip $(UNIT_BIN)
	@SUITES=unit bash scripts/run-tests.sh
api: build/asan/smip build/fault/fail_wal_flush.so build/fault/fail_read.so
	@SUITES=api bash scripts/run-tests.sh
e2e: build/asan/smip
	@SUITES=e2e bash scripts/run-tests.sh
# The API suite on a throwaway PostgreSQL cluster (also part of `make test`).
pg test-pg: build/asan/smip build/fault/fail_wal_flush.so build/fault/fail_read.so
	@SUITES=pg bash scripts/run-tests.sh
# Two servers behind nginx on one throwaway PostgreSQL cluster (also part of `make test`).
scale: build/asan/smip
	@SUITES=scale bash scripts/run-tests.sh

# make bench: wrk against smip and nginx on loopback (docs/performance.md). Not in `make test`.
bench:
	@bash bench/run.sh

format:
	clang-format -i $(SRC) $(HDRS) $(UNIT_SRC) tools/embed.c

clean:
	rm -rf build
