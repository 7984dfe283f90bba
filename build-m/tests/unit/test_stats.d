build-m/tests/unit/test_stats.o: tests/unit/test_stats.c tests/unit/t.h \
 include/offswitch/stats.h
tests/unit/t.h:
include/offswitch/stats.h:
