build-m/lib/tools/tools.o: lib/tools/tools.c lib/tools/tools_int.h \
 include/offswitch/world.h include/offswitch/scenario.h \
 include/offswitch/error.h include/offswitch/util.h
lib/tools/tools_int.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/util.h:
