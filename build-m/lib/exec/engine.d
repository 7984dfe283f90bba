build-m/lib/exec/engine.o: lib/exec/engine.c include/offswitch/http.h \
 include/offswitch/wire.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/error.h lib/exec/record.h \
 include/offswitch/loop.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/store.h \
 include/offswitch/outcome.h lib/exec/run_priv.h include/offswitch/run.h \
 include/offswitch/plan.h include/offswitch/provider.h
include/offswitch/http.h:
include/offswitch/wire.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/error.h:
lib/exec/record.h:
include/offswitch/loop.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/store.h:
include/offswitch/outcome.h:
lib/exec/run_priv.h:
include/offswitch/run.h:
include/offswitch/plan.h:
include/offswitch/provider.h:
