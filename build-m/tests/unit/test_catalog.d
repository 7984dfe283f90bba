build-m/tests/unit/test_catalog.o: tests/unit/test_catalog.c \
 tests/unit/t.h include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/util.h
tests/unit/t.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/util.h:
