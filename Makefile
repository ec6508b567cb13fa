# goodgo_events: PGXS build.
#
#   make                 build the extension
#   make install         install it into the PostgreSQL that pg_config names
#   make installcheck    run the pg_regress suite against a running server
#   bash test/run-all    everything: packages, build, throwaway servers, every test
#
# Warnings are not errors here: CI adds -Werror through PG_CFLAGS, users' builds
# must not break on a newer compiler's new warning.

EXTENSION  = goodgo_events
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = goodgo_events
OBJS = \
	src/goodgo_events.o \
	src/uuid_v7.o \
	src/envelope.o \
	src/registry.o \
	src/outbox.o \
	src/jsonb_text.o \
	src/jsonschema/jsonschema.o \
	src/jsonschema/pgjsonschema.o \
	src/jsonschema/compile.o \
	src/jsonschema/validate.o \
	src/jsonschema/output.o \
	src/jsonschema/meta.o \
	src/jsonschema/metaschemas.o \
	src/jsonschema/uri.o \
	src/jsonschema/numutil.o \
	src/jsonschema/regex.o \
	src/jsonschema/ecma_regex.o \
	src/jsonschema/format.o \
	src/jsonschema/compat.o

PG_CPPFLAGS = -I$(srcdir)/src
# override: a PG_CFLAGS from the command line (CI's -Werror, test/lib.sh's
# GG_CFLAGS) adds to these instead of replacing them.
override PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

# The install script is assembled from per-object files in sql/objects/ (in
# name order), so each feature keeps its SQL next to nothing else's.
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
INSTALL_SQL_PARTS = $(sort $(wildcard sql/objects/*.sql) $(SCHEMAS_SQL))

# schemas/*.schema.json are the single source of truth for the event contracts;
# the build embeds them into the install script (as rows of
# goodgo_events.bundled_schemas, table in sql/objects/40_bundled_schemas.sql),
# so nobody edits a schema in two places.  The generated part is listed
# explicitly because a wildcard does not see it before its first build.
SCHEMA_FILES = $(sort $(wildcard schemas/*.schema.json))
SCHEMAS_SQL  = sql/objects/41_bundled_schemas_data.sql

# Releases.  The current version's script is built from sql/objects/ (above).
# When a version is released and the next one begins, its built script is
# frozen into sql/versions/ together with the upgrade script
# goodgo_events--<old>--<new>.sql; test/suites/upgrade.sh installs the oldest
# frozen version, updates step by step, and compares the result with a fresh
# install of the current one.
DATA = $(wildcard sql/versions/$(EXTENSION)--*.sql)

# One regression test per feature: every sql/<name>.sql with expected/<name>.out.
REGRESS      = $(sort $(notdir $(basename $(wildcard sql/*.sql))))
REGRESS      := $(filter-out $(EXTENSION)--%,$(REGRESS))
REGRESS_OPTS = --load-extension=$(EXTENSION)

# Isolation specs (specs/*.spec with expected/<name>.out): interleavings of
# producers, relays and rotation.  Under test/run-all (GG_RESULTS set) the
# isolation suite runs them with pg_isolation_regress itself, so the regress
# suite's "make installcheck" leaves them out instead of running them twice.
ISOLATION_SPECS = $(sort $(notdir $(basename $(wildcard specs/*.spec))))
ifndef GG_RESULTS
ISOLATION      = $(ISOLATION_SPECS)
endif
ISOLATION_OPTS = --load-extension=$(EXTENSION)

EXTRA_CLEAN = sql/$(EXTENSION)--$(EXTVERSION).sql $(SCHEMAS_SQL) output_iso

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks header dependencies only in a PostgreSQL configured with
# --enable-depend (Debian's is not): every object depends on every header of
# ours, so a change to src/compat.h rebuilds what includes it.
$(OBJS): $(wildcard $(srcdir)/src/*.h $(srcdir)/src/jsonschema/*.h)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_SQL_PARTS) Makefile
	{ echo '-- generated from sql/objects/*.sql by the Makefile: edit those files'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit'; \
	  for f in $(INSTALL_SQL_PARTS); do echo; echo "-- $$f"; cat "$$f"; done; } > $@

# goodgo-relay (relay/, its own PGXS Makefile) is built, installed into
# pg_config's bindir and cleaned along with the extension.
.PHONY: relay relay-install relay-clean
all: relay
relay:
	$(MAKE) -C relay
install: relay-install
relay-install: relay
	$(MAKE) -C relay install
clean: relay-clean
relay-clean:
	$(MAKE) -C relay clean

# Regenerate the bundled metaschemas (checked in as generated C) from the
# published documents: make metaschemas.
METASCHEMAS_SRC ?= $(srcdir)/../shared/conformance/metaschemas
metaschemas:
	python3 $(srcdir)/src/jsonschema/gen_metaschemas.py $(METASCHEMAS_SRC) > $(srcdir)/src/jsonschema/metaschemas.c
.PHONY: metaschemas

# One INSERT per schema file, the JSON text dollar-quoted as it is in the file.
# A file name outside [a-z0-9._-] or a file holding the quote tag stops the
# build rather than producing a script that means something else.
$(SCHEMAS_SQL): $(SCHEMA_FILES) Makefile
	@{ echo '-- generated from schemas/*.schema.json by the Makefile: edit those files'; \
	  for f in $(SCHEMA_FILES); do \
		n=$$(basename "$$f" .schema.json); \
		case "$$n" in *[!a-z0-9._-]*|'') echo "bad schema file name: $$f" >&2; exit 1;; esac; \
		if grep -qF '$$gg_schema$$' "$$f"; then echo "$$f contains the quote tag \$$gg_schema\$$" >&2; exit 1; fi; \
		echo; \
		echo "INSERT INTO goodgo_events.bundled_schemas (name, schema) VALUES ('$$n', \$$gg_schema\$$"; \
		cat "$$f"; \
		echo "\$$gg_schema\$$);"; \
	  done; } > $@.tmp && mv $@.tmp $@
