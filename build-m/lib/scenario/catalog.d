build-m/lib/scenario/catalog.o: lib/scenario/catalog.c \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/util.h
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/util.h:
