build-m/src/cmd_report.o: src/cmd_report.c src/cli.h \
 include/offswitch/loop.h include/offswitch/chat.h \
 include/offswitch/util.h include/offswitch/world.h \
 include/offswitch/scenario.h include/offswitch/error.h \
 include/offswitch/provider.h include/offswitch/plan.h \
 include/offswitch/report.h include/offswitch/detect.h \
 include/offswitch/outcome.h
src/cli.h:
include/offswitch/loop.h:
include/offswitch/chat.h:
include/offswitch/util.h:
include/offswitch/world.h:
include/offswitch/scenario.h:
include/offswitch/error.h:
include/offswitch/provider.h:
include/offswitch/plan.h:
include/offswitch/report.h:
include/offswitch/detect.h:
include/offswitch/outcome.h:
