/* t.h — a tiny TAP test harness: each test prints "ok N name" or "not ok N name". */
#ifndef OFS_T_H
#define OFS_T_H
#include <math.h>
#include <stdio.h>
#include <string.h>

static int t_failed_now, t_count, t_fails;
#define CHECK(cond)                                                                                                              \
	do {                                                                                                                     \
		if (!(cond)) {                                                                                                   \
			printf("#   %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                      \
			t_failed_now = 1;                                                                                        \
		}                                                                                                                \
	} while (0)
#define CHECK_STR(a, b)                                                                                                          \
	do {                                                                                                                     \
		const char *_a = (a), *_b = (b);                                                                                 \
		if (!_a || !_b || strcmp(_a, _b)) {                                                                              \
			printf("#   %s:%d: '%s' != '%s'\n", __FILE__, __LINE__, _a ? _a : "(null)", _b ? _b : "(null)");         \
			t_failed_now = 1;                                                                                        \
		}                                                                                                                \
	} while (0)
#define CHECK_INT(a, b)                                                                                                          \
	do {                                                                                                                     \
		long long _a = (a), _b = (b);                                                                                    \
		if (_a != _b) {                                                                                                  \
			printf("#   %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, _a, _b);                        \
			t_failed_now = 1;                                                                                        \
		}                                                                                                                \
	} while (0)
#define RUN(fn)                                                                                                                  \
	do {                                                                                                                     \
		t_failed_now = 0;                                                                                                \
		fn();                                                                                                            \
		t_count++;                                                                                                       \
		printf("%sok %d %s\n", t_failed_now ? "not " : "", t_count, #fn);                                                \
		t_fails += t_failed_now;                                                                                         \
	} while (0)
#define DONE() (printf("1..%d\n", t_count), t_fails ? 1 : 0)
#endif
