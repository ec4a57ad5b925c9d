# fuzz.mk — the libFuzzer harnesses of tests/fuzz (docs/fuzzing.md), included by the Makefile.
# Built with clang, ASan and UBSan: the library sources are compiled once into an archive with
# coverage instrumentation (-fsanitize=fuzzer-no-link) and each harness links only the members
# it needs, so a harness may #include a source file to reach its static parser (the archive's
# copy of that file is then never pulled in).
#   make fuzz                        builds build/fuzz/fuzz_* (make test builds them too)
#   make fuzz-run FUZZ=fuzz_merge TIME=3600 [JOBS=2]
#                                    runs one harness on a work corpus in build/fuzz/corpus/NAME,
#                                    seeded from tests/fuzz/corpus/NAME; crashes land in
#                                    build/fuzz/crashes/

FUZZ_CC ?= clang
# clang's -Wformat=2 also flags vsnprintf in a va_list wrapper (util.c), which gcc does not.
FUZZ_WARN := $(WARN) -Wno-format-nonliteral
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(LIB_SRC) build/gen/assets.c)
FUZZ_LIB := build/fuzz/libsmip.a

.PHONY: fuzz fuzz-run
fuzz: $(FUZZ_BIN)

build/fuzz/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -Isrc $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB) $(HDRS) $(wildcard tests/fuzz/*.h)
	$(FUZZ_CC) $(FUZZ_WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer -Isrc -Itests/fuzz $(PKG_CFLAGS) \
	    -o $@ $< $(FUZZ_LIB) $(PKG_LIBS)

FUZZ ?= fuzz_merge
TIME ?= 600
JOBS ?= 1
# JOBS > 1 runs that many processes in libFuzzer's fork mode, all feeding the one work corpus.
fuzz-run: build/fuzz/$(FUZZ)
	@mkdir -p build/fuzz/corpus/$(FUZZ) build/fuzz/crashes
	build/fuzz/$(FUZZ) -max_total_time=$(TIME) $(if $(filter-out 1,$(JOBS)),-fork=$(JOBS)) \
	    -artifact_prefix=build/fuzz/crashes/$(FUZZ)- $$(cat tests/fuzz/$(FUZZ).options 2>/dev/null) \
	    build/fuzz/corpus/$(FUZZ) tests/fuzz/corpus/$(FUZZ)
