build-m/lib/exec/replay.o: lib/exec/replay.c include/offswitch/run.h \
 include/offswitch/loop.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/outcome.h include/offswitch/plan.h \
 include/offswitch/provider.h include/offswitch/store.h lib/exec/record.h
include/offswitch/run.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/outcome.h:
include/offswitch/plan.h:
include/offswitch/provider.h:
include/offswitch/store.h:
lib/exec/record.h:
