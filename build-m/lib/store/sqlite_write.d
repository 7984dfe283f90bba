build-m/lib/store/sqlite_write.o: lib/store/sqlite_write.c \
 lib/store/sqlite_int.h lib/store/store_int.h include/offswitch/store.h \
 include/offswitch/chat.h include/offswitch/util.h \
 include/offswitch/outcome.h include/offswitch/scenario.h \
 include/offswitch/error.h
lib/store/sqlite_int.h:
lib/store/store_int.h:
include/offswitch/store.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/outcome.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
