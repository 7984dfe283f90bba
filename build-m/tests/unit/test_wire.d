build-m/tests/unit/test_wire.o: tests/unit/test_wire.c tests/unit/t.h \
 include/offswitch/wire.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/error.h
tests/unit/t.h:
include/offswitch/wire.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/error.h:
