build-m/lib/provider/http.o: lib/provider/http.c include/offswitch/http.h \
 include/offswitch/wire.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/error.h \
 include/offswitch/provider.h include/offswitch/scenario.h
include/offswitch/http.h:
include/offswitch/wire.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/error.h:
include/offswitch/provider.h:
include/offswitch/scenario.h:
