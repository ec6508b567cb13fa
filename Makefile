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
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/jsonschema/*.c)))

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS  += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

# The install script is assembled from per-object files in sql/objects/ (in
# name order), so each feature keeps its SQL next to nothing else's.
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
INSTALL_SQL_PARTS = $(sort $(wildcard sql/objects/*.sql))

# One regression test per feature: every sql/<name>.sql with expected/<name>.out.
REGRESS      = $(sort $(notdir $(basename $(wildcard sql/*.sql))))
REGRESS      := $(filter-out $(EXTENSION)--%,$(REGRESS))
REGRESS_OPTS = --load-extension=$(EXTENSION)

# Isolation specs (specs/*.spec with expected/<name>.out): interleavings of
# producers, relays and rotation.  Under test/run-all (GG_RESULTS set) the
# isolation suite runs them with pg_isolation_regress itself, so the regress
# suite's "make installcheck" leaves them out instead of running them twice.
ISOLATION_SPECS = $(sort $(notdir $(basename $(wildcard specs/*.spec))))
ISOLATION      = $(if $(GG_RESULTS),,$(ISOLATION_SPECS))
ISOLATION_OPTS = --load-extension=$(EXTENSION)

EXTRA_CLEAN = sql/$(EXTENSION)--$(EXTVERSION).sql output_iso

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

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
