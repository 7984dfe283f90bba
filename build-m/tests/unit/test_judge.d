build-m/tests/unit/test_judge.o: tests/unit/test_judge.c tests/unit/t.h \
 include/offswitch/judge.h include/offswitch/provider.h \
 include/offswitch/chat.h include/offswitch/util.h \
 include/offswitch/scenario.h include/offswitch/error.h
tests/unit/t.h:
include/offswitch/judge.h:
include/offswitch/provider.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
