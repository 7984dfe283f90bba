build-m/lib/eval/detect_servers.o: lib/eval/detect_servers.c \
 lib/eval/detect_int.h include/offswitch/detect.h \
 include/offswitch/loop.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/outcome.h
lib/eval/detect_int.h:
include/offswitch/detect.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/outcome.h:
