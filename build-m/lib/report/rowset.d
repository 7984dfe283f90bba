build-m/lib/report/rowset.o: lib/report/rowset.c \
 include/offswitch/report.h include/offswitch/detect.h \
 include/offswitch/loop.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/outcome.h include/offswitch/store.h
include/offswitch/report.h:
include/offswitch/detect.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/outcome.h:
include/offswitch/store.h:
