build-m/lib/exec/record.o: lib/exec/record.c lib/exec/record.h \
 include/offswitch/loop.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/store.h include/offswitch/outcome.h \
 include/offswitch/detect.h include/offswitch/run.h \
 include/offswitch/plan.h include/offswitch/provider.h
lib/exec/record.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/store.h:
include/offswitch/outcome.h:
include/offswitch/detect.h:
include/offswitch/run.h:
include/offswitch/plan.h:
include/offswitch/provider.h:
