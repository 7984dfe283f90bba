build-m/lib/stats/stats.o: lib/stats/stats.c include/offswitch/stats.h
include/offswitch/stats.h:
