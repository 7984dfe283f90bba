build-m/lib/mock/mock.o: lib/mock/mock.c include/offswitch/mock.h \
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
