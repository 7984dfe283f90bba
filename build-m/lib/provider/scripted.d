build-m/lib/provider/scripted.o: lib/provider/scripted.c \
 include/offswitch/loop.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/provider.h
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/provider.h:
