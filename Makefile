# stamprally — plain Makefile; dependencies come from Debian packages via pkg-config.
#
#   make            build build/stamprally
#   make run        install missing packages, build, serve on http://localhost:8080 with the demo rally
#   make test       install missing packages, build, run every test (also under ASan+UBSan)
#   make bench      run the benchmark (bench/run)
#
# libunistring (Unicode normalisation of passwords) ships no pkg-config file
# in Debian 12: it is linked as -lunistring.

PKGS     := libmicrohttpd sqlite3 libpq libsodium jansson libqrencode libcurl libzstd gnutls libsystemd xlsxwriter vips libwebpmux
CC       ?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
              -DLIBSYSTEMD_VERSION='"$(shell pkg-config --modversion libsystemd 2>/dev/null)"'
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunistring -lm -lpthread

WARN     := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wvla
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS_RELEASE := -O2 -g $(WARN) $(HARDEN) -Isrc -Ibuild $(PKG_CFLAGS)
CFLAGS_ASAN    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
                  $(WARN) -Isrc -Ibuild $(PKG_CFLAGS)
LDFLAGS_RELEASE := -pie -Wl,-z,relro,-z,now
LDFLAGS_ASAN    := -fsanitize=address,undefined

LIB_SRC  := $(sort $(wildcard src/lib/*.c src/store/*.c src/core/*.c src/ops/*.c src/http/*.c src/web/*.c))
ASSETS   := $(sort $(shell find assets -type f)) $(sort $(wildcard src/store/migrations/*/*.sql))
# Leaflet for the maps, from Debian's libjs-leaflet, embedded like the assets
# and served as /static/leaflet.js and /static/leaflet.css.
LEAFLET  := /usr/share/javascript/leaflet
EMBEDDED := $(ASSETS) $(LEAFLET)/leaflet.js $(LEAFLET)/leaflet.css
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

REL_OBJ  := $(patsubst src/%.c,build/rel/%.o,$(LIB_SRC)) build/rel/assets_data.o
ASAN_OBJ := $(patsubst src/%.c,build/asan/%.o,$(LIB_SRC)) build/asan/assets_data.o

# V=1 shows the full commands.
Q := $(if $(V),,@)
.PHONY: all run test test-unit test-http test-browser bench deps clean asan fuzz fuzz-build
all: build/stamprally

deps:
	@scripts/install-deps

build/embed: tools/embed.c
	@mkdir -p build
	$(Q)$(CC) -O1 -Wall -Wextra -Werror -o $@ $<

# Each asset is stored under its path below assets/ (migrations below src/store/).
build/assets_data.c: build/embed $(EMBEDDED)
	@echo "  EMBED   $(words $(EMBEDDED)) files"
	$(Q)build/embed $(foreach f,$(ASSETS),$(patsubst src/store/%,%,$(patsubst assets/%,%,$(f)))=$(f)) \
		static/leaflet.js=$(LEAFLET)/leaflet.js static/leaflet.css=$(LEAFLET)/leaflet.css > $@.tmp && mv $@.tmp $@

build/rel/assets_data.o: build/assets_data.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_RELEASE) -c -o $@ $<
build/asan/assets_data.o: build/assets_data.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ASAN) -c -o $@ $<

build/rel/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_RELEASE) -MMD -MP -c -o $@ $<
build/asan/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	$(Q)$(CC) $(CFLAGS_ASAN) -MMD -MP -c -o $@ $<

build/rel/libsr.a: $(REL_OBJ)
	$(Q)ar rcs $@ $^
build/asan/libsr.a: $(ASAN_OBJ)
	$(Q)ar rcs $@ $^

build/stamprally: build/rel/main.o build/rel/libsr.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_RELEASE) -o $@ $^ $(PKG_LIBS)
build/asan/stamprally: build/asan/main.o build/asan/libsr.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ASAN) -o $@ $^ $(PKG_LIBS)
asan: build/asan/stamprally

build/rel/unit/%: tests/unit/%.c build/rel/libsr.a
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS_RELEASE) -Wno-unused-parameter $(LDFLAGS_RELEASE) -o $@ $^ $(PKG_LIBS) $(shell pkg-config --libs cmocka)
build/asan/unit/%: tests/unit/%.c build/asan/libsr.a
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS_ASAN) -Wno-unused-parameter $(LDFLAGS_ASAN) -o $@ $^ $(PKG_LIBS) $(shell pkg-config --libs cmocka)

UNIT_REL  := $(patsubst tests/unit/%.c,build/rel/unit/%,$(UNIT_SRC))
UNIT_ASAN := $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRC))

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built with Debian's clang (and
# libclang-rt-14-dev, which clang only recommends, for libFuzzer itself): the
# library compiled with coverage, ASan and UBSan. `make fuzz` runs each for
# FUZZ_SECONDS (60) from its seed corpus (tests/fuzz/corpus/NAME); what it
# finds new stays in build/fuzz/corpus/NAME. `make test` runs each briefly.
FUZZ_CC      := clang
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
                $(WARN) -Wno-unused-command-line-argument -Isrc -Ibuild -Itests/fuzz $(PKG_CFLAGS)
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ     := $(patsubst src/%.c,build/fuzz/obj/%.o,$(LIB_SRC)) build/fuzz/obj/assets_data.o
FUZZ_SECONDS ?= 60

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
build/fuzz/obj/assets_data.o: build/assets_data.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<
build/fuzz/libsr.a: $(FUZZ_OBJ)
	$(Q)ar rcs $@ $^
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libsr.a
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libsr.a $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@scripts/fuzz $(FUZZ_SECONDS)

# `make run HOST=0.0.0.0` to try it with a phone on the same Wi-Fi (QR codes
# then carry this machine's LAN address); PORT changes the port, LISTEN=ADDR:PORT both.
HOST ?= 127.0.0.1
PORT ?= 8080
LISTEN ?= $(HOST):$(PORT)
run: deps
	@$(MAKE) --no-print-directory build/stamprally
	@mkdir -p data
	build/stamprally serve --data ./data --listen $(LISTEN)

test: deps
	@$(MAKE) --no-print-directory build/stamprally build/asan/stamprally $(UNIT_REL) $(UNIT_ASAN) $(FUZZ_BIN)
	@scripts/run-tests

test-unit: build/stamprally $(UNIT_REL)
	@d=$$(mktemp -d /tmp/stamprally-pg.XXXXXX) && scripts/pg-throwaway start $$d >/dev/null && \
	 for t in $(UNIT_REL); do STAMPRALLY_TEST_PG=$$d $$t || { scripts/pg-throwaway stop $$d; exit 1; }; done; \
	 scripts/pg-throwaway stop $$d

bench: deps build/stamprally
	bench/run

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
