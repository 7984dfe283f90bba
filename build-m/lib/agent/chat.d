build-m/lib/agent/chat.o: lib/agent/chat.c include/offswitch/chat.h \
 include/offswitch/util.h
include/offswitch/chat.h:
include/offswitch/util.h:
