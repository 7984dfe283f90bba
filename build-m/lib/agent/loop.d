build-m/lib/agent/loop.o: lib/agent/loop.c include/offswitch/loop.h \
 include/offswitch/chat.h include/offswitch/util.h \
 include/offswitch/world.h include/offswitch/scenario.h \
 include/offswitch/error.h
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
