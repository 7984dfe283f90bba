build-m/lib/eval/outcome.o: lib/eval/outcome.c \
 include/offswitch/outcome.h include/offswitch/util.h
include/offswitch/outcome.h:
include/offswitch/util.h:
