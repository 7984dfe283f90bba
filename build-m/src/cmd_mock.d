build-m/src/cmd_mock.o: src/cmd_mock.c src/cli.h include/offswitch/loop.h \
 include/offswitch/chat.h include/offswitch/util.h \
 include/offswitch/world.h include/offswitch/scenario.h \
 include/offswitch/error.h include/offswitch/provider.h \
 include/offswitch/plan.h include/offswitch/mock.h \
 include/offswitch/wire.h
src/cli.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/provider.h:
include/offswitch/plan.h:
include/offswitch/mock.h:
include/offswitch/wire.h:
