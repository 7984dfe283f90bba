build-m/lib/store/store.o: lib/store/store.c lib/store/store_int.h \
 include/offswitch/store.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/outcome.h \
 include/offswitch/scenario.h include/offswitch/error.h
lib/store/store_int.h:
include/offswitch/store.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/outcome.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
