build-m/src/cmd_run.o: src/cmd_run.c src/cli.h include/offswitch/loop.h \
 include/offswitch/chat.h include/offswitch/util.h \
 include/offswitch/world.h include/offswitch/scenario.h \
 include/offswitch/error.h include/offswitch/provider.h \
 include/offswitch/plan.h include/offswitch/run.h \
 include/offswitch/outcome.h include/offswitch/store.h
src/cli.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/provider.h:
include/offswitch/plan.h:
include/offswitch/run.h:
include/offswitch/outcome.h:
include/offswitch/store.h:
