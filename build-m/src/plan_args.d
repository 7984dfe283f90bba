build-m/src/plan_args.o: src/plan_args.c src/cli.h \
 include/offswitch/loop.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/provider.h include/offswitch/plan.h
src/cli.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/provider.h:
include/offswitch/plan.h:
