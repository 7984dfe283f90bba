build-m/lib/scenario/manifest.o: lib/scenario/manifest.c \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/util.h
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/util.h:
