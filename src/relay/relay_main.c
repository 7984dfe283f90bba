/* relay_main.c — offswitch-relay, the relay inside a harness sandbox, as a
 * small program of its own (the full offswitch binary loads some forty
 * shared libraries, ~35 ms a start; this one loads libc). The same as the
 * hidden `offswitch __relay SOCK PORT -- CMD ARGS...`, which the harness
 * falls back on when offswitch-relay is not installed beside offswitch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/error.h"
#include "offswitch/harness.h"

int main(int argc, char **argv)
{
	char *end = NULL;
	long port = argc >= 3 ? strtol(argv[2], &end, 10) : 0;
	if (argc < 5 || strcmp(argv[3], "--") || !end || *end || port < 1 || port > 65535) {
		fprintf(stderr, "offswitch-relay: usage: offswitch-relay SOCK PORT -- CMD ARGS...\n");
		return 2;
	}
	char err[OFS_ERRLEN];
	int st = ofs_hx_relay(argv[1], (int)port, argv + 4, err);
	if (st < 0) {
		fprintf(stderr, "offswitch-relay: %s\n", err);
		return 127;
	}
	return st;
}
