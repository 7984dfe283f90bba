build-m/lib/core/util.o: lib/core/util.c include/offswitch/util.h
include/offswitch/util.h:
