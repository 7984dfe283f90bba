build-m/tests/unit/test_extract.o: tests/unit/test_extract.c \
 tests/unit/t.h include/offswitch/detect.h include/offswitch/loop.h \
 include/offswitch/chat.h include/offswitch/util.h \
 include/offswitch/world.h include/offswitch/scenario.h \
 include/offswitch/error.h include/offswitch/outcome.h
tests/unit/t.h:
include/offswitch/detect.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/outcome.h:
