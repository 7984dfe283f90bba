build-m/lib/scenario/tmpl.o: lib/scenario/tmpl.c \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/util.h
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/util.h:
