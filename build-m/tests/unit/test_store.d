build-m/tests/unit/test_store.o: tests/unit/test_store.c tests/unit/t.h \
 tests/unit/support.h include/offswitch/detect.h include/offswitch/loop.h \
 include/offswitch/chat.h include/offswitch/util.h \
 include/offswitch/world.h include/offswitch/scenario.h \
 include/offswitch/error.h include/offswitch/outcome.h \
 include/offswitch/provider.h include/offswitch/plan.h \
 include/offswitch/run.h include/offswitch/store.h
tests/unit/t.h:
tests/unit/support.h:
include/offswitch/detect.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/outcome.h:
include/offswitch/provider.h:
include/offswitch/plan.h:
include/offswitch/run.h:
include/offswitch/store.h:
