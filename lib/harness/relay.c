/* relay.c — the only way out of a sandbox: inside (`offswitch __relay`), a
 * listener on the sandbox's own 127.0.0.1:OFS_HX_PORT forwards each
 * connection to a unix socket bound into the sandbox; outside, the harness
 * accepts on that socket and connects to the rollout's proxy on loopback.
 * Bytes are copied both ways, unchanged, by one thread per connection. */
#include "harness/hx_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>

#include "offswitch/error.h"
#include "offswitch/harness.h"
#include "offswitch/util.h"

#define PUMP_BUF (64u << 10)

extern char **environ;

struct pump {
	int a, b;
};

/* Copy a->b and b->a until both directions have ended. */
static void *pump_main(void *arg)
{
	struct pump p = *(struct pump *)arg;
	free(arg);
	char *buf = ofs_xcalloc(1, PUMP_BUF);
	int open_ab = 1, open_ba = 1;
	while (open_ab || open_ba) {
		struct pollfd f[2] = {{p.a, open_ab ? POLLIN : 0, 0}, {p.b, open_ba ? POLLIN : 0, 0}};
		if (poll(f, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < 2; k++) {
			int from = k ? p.b : p.a, to = k ? p.a : p.b;
			int *open = k ? &open_ba : &open_ab;
			if (!*open || !(f[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(from, buf, PUMP_BUF);
			if (n <= 0) {
				*open = 0;
				shutdown(to, SHUT_WR);
				continue;
			}
			for (ssize_t off = 0; off < n;) {
				ssize_t w = send(to, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
				if (w <= 0) {
					open_ab = open_ba = 0;
					break;
				}
				off += w;
			}
		}
	}
	free(buf);
	close(p.a);
	close(p.b);
	return NULL;
}

static void pump_start(int a, int b)
{
	struct pump *p = ofs_xcalloc(1, sizeof *p);
	p->a = a;
	p->b = b;
	pthread_t th;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, pump_main, p)) {
		close(a);
		close(b);
		free(p);
	}
	pthread_attr_destroy(&at);
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return -1;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int tcp_connect(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* ---- the listener, both sides ---- */
struct ofs__hx_relay {
	int lfd;
	int tcp_port;     /* outside: connect here (the proxy) */
	const char *sock; /* inside: connect here (borrowed) */
	int wake[2];      /* a byte written to wake[1] stops the accept thread */
	pthread_t th;
	int started;
};

static void *accept_main(void *arg)
{
	struct ofs__hx_relay *r = arg;
	for (;;) {
		struct pollfd f[2] = {{r->lfd, POLLIN, 0}, {r->wake[0], POLLIN, 0}};
		if (poll(f, 2, -1) <= 0)
			continue;
		if (f[1].revents)
			break;
		int c = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		int up = r->sock ? unix_connect(r->sock) : tcp_connect(r->tcp_port);
		if (up < 0) {
			close(c);
			continue;
		}
		pump_start(c, up);
	}
	return NULL;
}

static int listener_start(struct ofs__hx_relay *r, char *err)
{
	if (pipe2(r->wake, O_CLOEXEC)) {
		close(r->lfd);
		return ofs_fail(err, OFS_ESTATE, "pipe: %s", strerror(errno));
	}
	if (pthread_create(&r->th, NULL, accept_main, r)) {
		close(r->lfd);
		close(r->wake[0]);
		close(r->wake[1]);
		return ofs_fail(err, OFS_ESTATE, "cannot start the relay thread");
	}
	r->started = 1;
	return 0;
}

int ofs__hx_relay_host(struct ofs__hx_relay **out, const char *path, int proxy_port, char *err)
{
	*out = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return ofs_fail(err, OFS_EINVAL, "relay socket path '%s' is too long (%zu bytes at most)", path,
		                sizeof sa.sun_path - 1);
	strcpy(sa.sun_path, path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 64)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ofs_fail(err, OFS_ELISTEN, "relay socket %s: %s", path, strerror(e));
	}
	struct ofs__hx_relay *r = ofs_xcalloc(1, sizeof *r);
	r->lfd = fd;
	r->tcp_port = proxy_port;
	int e = listener_start(r, err);
	if (e) {
		free(r);
		return e;
	}
	*out = r;
	return 0;
}

static void listener_stop(struct ofs__hx_relay *r)
{
	if (!r->started)
		return;
	ssize_t w = write(r->wake[1], "x", 1);
	(void)w;
	pthread_join(r->th, NULL);
	close(r->wake[0]);
	close(r->wake[1]);
	close(r->lfd);
	r->started = 0;
}

void ofs__hx_relay_stop(struct ofs__hx_relay *r)
{
	if (!r)
		return;
	listener_stop(r);
	free(r);
}

int ofs_hx_relay(const char *sock, int port, char *const *argv, char *err)
{
	if (!argv || !argv[0])
		return ofs_fail(err, OFS_EINVAL, "no command to run");
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 64)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ofs_fail(err, OFS_ELISTEN, "relay on 127.0.0.1:%d: %s", port, strerror(e));
	}
	struct ofs__hx_relay r = {.lfd = fd, .sock = sock};
	int e = listener_start(&r, err);
	if (e)
		return e;
	/* posix_spawn (vfork underneath): cheaper than fork for a threaded
	 * process; the listening socket is close-on-exec */
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	pid_t pid;
	int se = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (se) {
		listener_stop(&r);
		return ofs_fail(err, OFS_ESTATE, "cannot run %s: %s", argv[0], strerror(se));
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	listener_stop(&r);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
