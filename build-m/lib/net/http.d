build-m/lib/net/http.o: lib/net/http.c include/offswitch/http.h \
 include/offswitch/wire.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/error.h
include/offswitch/http.h:
include/offswitch/wire.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/error.h:
