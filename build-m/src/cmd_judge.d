build-m/src/cmd_judge.o: src/cmd_judge.c src/cli.h \
 include/offswitch/loop.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/provider.h include/offswitch/plan.h \
 include/offswitch/judge.h
src/cli.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/provider.h:
include/offswitch/plan.h:
include/offswitch/judge.h:
