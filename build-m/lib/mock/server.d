build-m/lib/mock/server.o: lib/mock/server.c include/offswitch/mock.h \
 include/offswitch/provider.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/scenario.h \
 include/offswitch/error.h include/offswitch/wire.h
include/offswitch/mock.h:
include/offswitch/provider.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/wire.h:
