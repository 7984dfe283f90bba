build-m/lib/eval/judge.o: lib/eval/judge.c include/offswitch/http.h \
 include/offswitch/wire.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/error.h \
 include/offswitch/judge.h include/offswitch/provider.h \
 include/offswitch/scenario.h include/offswitch/store.h \
 include/offswitch/outcome.h
include/offswitch/http.h:
include/offswitch/wire.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/error.h:
include/offswitch/judge.h:
include/offswitch/provider.h:
include/offswitch/scenario.h:
include/offswitch/store.h:
include/offswitch/outcome.h:
