// SPDX-License-Identifier: Apache-2.0
/*
 * getbuf-load: an HTTP/1.1 keep-alive load client that is not the limit.
 *
 * N connections, one thread, epoll. Each connection sends "GET PATH", reads the
 * response head into a small buffer, then drops the body with recv(MSG_TRUNC):
 * on TCP the kernel frees the bytes without copying them to user space, which
 * is where wrk spends its core from 1 MiB up. Every response's status and
 * length are checked (Content-Length, and --expect-length when given).
 *
 * -b polls without sleeping (epoll_wait with timeout 0). On loopback the
 * receiver's protocol work, and the wake-up of a receiver that sleeps, run on
 * the sender's CPU: a client that sleeps whenever it has caught up makes the
 * server pay for waking it, per burst, which a remote client over a NIC does
 * not. sleeps= (the client's voluntary context switches) says how often that
 * happened.
 *
 * At the end one machine-readable line:
 *   LOAD requests=R bytes=B body_bytes=BB duration_us=D errors=E p50_us=.. p99_us=..
 *        p999_us=.. max_us=.. cpu_us=C sleeps=S
 * bytes counts heads and bodies read (completed responses and the part of those
 * in flight at the end), as wrk's "bytes" does. Latency = request written to the
 * last body byte read, per response, in a log-linear histogram (3% resolution).
 *
 * Build: gcc -O2 -Wall -o getbuf-load getbuf-load.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 8192
#define SUB_BITS 5			/* 32 sub-buckets per power of two: ~3% */
#define BUCKETS (64 << SUB_BITS)

enum state { SEND, HEAD, BODY };

struct conn {
	int fd;
	enum state state;
	size_t head_len;
	uint64_t body_left;
	uint64_t started_ns;
	char head[HEAD_MAX];
};

static uint64_t hist[BUCKETS];
static uint64_t max_us;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int bucket_of(uint64_t v)
{
	int msb;

	if (v < (1u << SUB_BITS))
		return (int)v;
	msb = 63 - __builtin_clzll(v);
	return ((msb - SUB_BITS + 1) << SUB_BITS) + (int)((v >> (msb - SUB_BITS)) & ((1u << SUB_BITS) - 1));
}

/* the smallest value of a bucket: what a percentile reports (never above the truth) */
static uint64_t value_of(int b)
{
	int shift;

	if (b < (1 << SUB_BITS))
		return (uint64_t)b;
	shift = (b >> SUB_BITS) - 1;
	return (uint64_t)((1u << SUB_BITS) + (b & ((1 << SUB_BITS) - 1))) << shift;
}

static void record(uint64_t us)
{
	hist[bucket_of(us)]++;
	if (us > max_us)
		max_us = us;
}

static uint64_t percentile(uint64_t total, double p)
{
	uint64_t want = (uint64_t)((double)total * p / 100.0 + 0.999999), seen = 0;
	int b;

	if (total == 0)
		return 0;
	for (b = 0; b < BUCKETS; b++) {
		seen += hist[b];
		if (seen >= want)
			return value_of(b);
	}
	return max_us;
}

static int connect_to(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* status 200 and a Content-Length, or -1 */
static long long parse_head(const char *head, size_t len)
{
	const char *p = head, *end = head + len;
	long long length = -1;

	if (len < 12 || strncmp(head, "HTTP/1.1 200", 12) != 0)
		return -1;
	while (p < end) {
		const char *eol = memmem(p, end - p, "\r\n", 2);

		if (!eol)
			break;
		if (eol - p > 15 && strncasecmp(p, "content-length:", 15) == 0)
			length = strtoll(p + 15, NULL, 10);
		p = eol + 2;
	}
	return length;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *path = "/";
	int conns = 16, port = 8080, opt, ep, i;
	double seconds = 5, warmup = 0;
	long long expect = -1;
	uint64_t requests = 0, bytes = 0, body_bytes = 0, errors = 0;
	struct sockaddr_in addr;
	struct conn *c;
	struct epoll_event ev, events[256];
	char request[1024], sink[4096];
	int request_len, counting = 0, busy = 0;
	uint64_t t0, t_end, measure_from;
	struct rusage ru0, ru1;

	while ((opt = getopt(argc, argv, "bc:d:w:h:p:l:")) != -1) {
		switch (opt) {
		case 'b': busy = 1; break;
		case 'c': conns = atoi(optarg); break;
		case 'd': seconds = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'h': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'l': expect = atoll(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-b] [-c conns] [-d seconds] [-w warmup-seconds] [-h 127.0.0.1] "
				"[-p port] [-l expected-body-length] PATH\n", argv[0]);
			return 2;
		}
	}
	if (optind < argc)
		path = argv[optind];
	if (conns < 1 || seconds <= 0)
		return 2;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "not an IPv4 address: %s\n", host);
		return 2;
	}
	request_len = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", path, host, port);
	c = calloc(conns, sizeof(*c));
	ep = epoll_create1(0);
	if (!c || ep < 0)
		return 1;
	for (i = 0; i < conns; i++) {
		c[i].fd = connect_to(&addr);
		if (c[i].fd < 0) {
			fprintf(stderr, "connect: %s\n", strerror(-c[i].fd));
			return 1;
		}
		ev.events = EPOLLOUT;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
	}

	t0 = now_ns();
	measure_from = t0 + (uint64_t)(warmup * 1e9);
	t_end = measure_from + (uint64_t)(seconds * 1e9);
	for (;;) {
		uint64_t t = now_ns();
		int n, k;

		if (t >= t_end)
			break;
		if (!counting && t >= measure_from) {
			/* the warm-up is over: the client's CPU time counts from here */
			getrusage(RUSAGE_SELF, &ru0);
			counting = 1;
		}
		n = epoll_wait(ep, events, 256, busy ? 0 : 10);
		for (k = 0; k < n; k++) {
			struct conn *x = &c[events[k].data.u32];
			ssize_t r;

			if (x->state == SEND) {
				r = send(x->fd, request, request_len, MSG_NOSIGNAL);
				if (r != request_len) { /* a request of ~60 bytes goes whole or the peer is gone */
					fprintf(stderr, "send: %s\n", r < 0 ? strerror(errno) : "short");
					return 1;
				}
				x->started_ns = now_ns();
				x->state = HEAD;
				x->head_len = 0;
				ev.events = EPOLLIN;
				ev.data.u32 = events[k].data.u32;
				epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ev);
				continue;
			}
			for (;;) {
				if (x->state == HEAD) {
					char *end;
					long long length;
					size_t head_bytes;

					r = recv(x->fd, x->head + x->head_len, HEAD_MAX - 1 - x->head_len, MSG_DONTWAIT);
					if (r <= 0)
						break;
					x->head_len += r;
					if (t >= measure_from)
						bytes += r;
					end = memmem(x->head, x->head_len, "\r\n\r\n", 4);
					if (!end) {
						if (x->head_len >= HEAD_MAX - 1) {
							fprintf(stderr, "response head over %d bytes\n", HEAD_MAX);
							return 1;
						}
						continue;
					}
					head_bytes = end + 4 - x->head;
					length = parse_head(x->head, head_bytes);
					if (length < 0 || (expect >= 0 && length != expect)) {
						errors++;
						fprintf(stderr, "bad response (length %lld, expected %lld): %.40s\n",
							length, expect, x->head);
						return 1;
					}
					if ((long long)(x->head_len - head_bytes) > length) {
						fprintf(stderr, "more bytes than the response (pipelining?)\n");
						return 1;
					}
					x->body_left = length - (x->head_len - head_bytes);
					if (t >= measure_from)
						body_bytes += x->head_len - head_bytes;
					x->state = BODY;
				} else {
					/* MSG_TRUNC on TCP: the bytes are dropped in the kernel, not copied to sink */
					size_t want = x->body_left > (1ull << 30) ? (1ull << 30) : x->body_left;

					if (want) {
						r = recv(x->fd, sink, want, MSG_TRUNC | MSG_DONTWAIT);
						if (r <= 0)
							break;
						x->body_left -= r;
						if (t >= measure_from) {
							bytes += r;
							body_bytes += r;
						}
					}
				}
				if (x->state == BODY && x->body_left == 0) {
					uint64_t done = now_ns();

					if (x->started_ns >= measure_from) {
						requests++;
						record((done - x->started_ns) / 1000);
					}
					x->state = SEND;
					r = send(x->fd, request, request_len, MSG_NOSIGNAL);
					if (r != request_len) {
						fprintf(stderr, "send: %s\n", r < 0 ? strerror(errno) : "short");
						return 1;
					}
					x->started_ns = now_ns();
					x->state = HEAD;
					x->head_len = 0;
				}
			}
			if (r == 0) {
				fprintf(stderr, "the server closed a connection\n");
				return 1;
			}
			if (r < 0 && errno != EAGAIN) {
				fprintf(stderr, "recv: %s\n", strerror(errno));
				return 1;
			}
		}
	}
	getrusage(RUSAGE_SELF, &ru1);
	{
		uint64_t dur_us = (now_ns() - measure_from) / 1000;
		long long cpu_us = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1000000LL
			+ (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec)
			+ (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1000000LL
			+ (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);

		printf("LOAD requests=%llu bytes=%llu body_bytes=%llu duration_us=%llu errors=%llu "
		       "p50_us=%llu p99_us=%llu p999_us=%llu max_us=%llu cpu_us=%lld sleeps=%ld\n",
		       (unsigned long long)requests, (unsigned long long)bytes,
		       (unsigned long long)body_bytes, (unsigned long long)dur_us,
		       (unsigned long long)errors,
		       (unsigned long long)percentile(requests, 50), (unsigned long long)percentile(requests, 99),
		       (unsigned long long)percentile(requests, 99.9), (unsigned long long)max_us, cpu_us,
		       ru1.ru_nvcsw - ru0.ru_nvcsw);
	}
	return 0;
}
