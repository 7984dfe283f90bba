build-m/tests/unit/test_metrics.o: tests/unit/test_metrics.c \
 tests/unit/t.h include/offswitch/report.h include/offswitch/detect.h \
 include/offswitch/loop.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/outcome.h include/offswitch/stats.h
tests/unit/t.h:
include/offswitch/report.h:
include/offswitch/detect.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/outcome.h:
include/offswitch/stats.h:
