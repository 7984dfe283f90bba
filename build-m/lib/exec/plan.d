build-m/lib/exec/plan.o: lib/exec/plan.c include/offswitch/plan.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/util.h
include/offswitch/plan.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/util.h:
