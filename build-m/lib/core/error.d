build-m/lib/core/error.o: lib/core/error.c include/offswitch/error.h
include/offswitch/error.h:
