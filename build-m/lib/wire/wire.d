build-m/lib/wire/wire.o: lib/wire/wire.c include/offswitch/wire.h \
 include/offswitch/chat.h include/offswitch/util.h \
 include/offswitch/error.h
include/offswitch/wire.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/error.h:
