// SPDX-License-Identifier: Apache-2.0
/*
 * count-test: the programs kernel/vm/count/selftest runs under
 * `qemu-x86_64 -plugin libgetbuf-count.so`. Each subcommand executes windows
 * whose counts are known in advance; the windows' edges are inside the asm
 * statements, so that no compiler-chosen instruction falls into a window.
 *
 *   loop N        window 1: N iterations of `dec; jnz`       = 2N instructions
 *   rep K         windows 1-7: rep movsb/movsq/stosb/stosl/stosw of K bytes,
 *                 rep movsb with rcx = 0, a movsb without rep
 *   syscall N     window 1: N x (mov $39, %eax; syscall; dec; jnz) = 4N
 *                 instructions, N syscalls (getpid)
 *   libc-syscall N window 1: N x syscall(SYS_getpid) through libc
 *   work R        windows 1..R: sorting and formatting with libc (deterministic)
 *   threads T N   window 1: T threads each running `loop N`, created and joined
 *   probe M       window 1: M calls of count_test_probe_target()
 *   vsyscall M    window 1: M calls of the vsyscall page's time() at
 *                 0xffffffffff600400, which qemu-user emulates as one
 *                 instruction there: M instructions at a kernel address
 *   markers       a stray close, an open twice, a window left open at exit
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "getbuf-count-mark.h"

static unsigned long arg(char **argv, int i)
{
	return strtoul(argv[i], NULL, 0);
}

static void loop(unsigned long n)
{
	__asm__ volatile("mov %0, %%rcx\n\t"
			 GETBUF_COUNT_OPEN_ASM
			 "1: dec %%rcx\n\t"
			 "jnz 1b\n\t"
			 GETBUF_COUNT_CLOSE_ASM
			 :: "r"(n) : "rcx", "cc", "memory");
}

/* A bare loop, no markers: what each thread of `threads` runs. */
static void *bare_loop(void *n)
{
	__asm__ volatile("mov %0, %%rcx\n\t"
			 "1: dec %%rcx\n\t"
			 "jnz 1b\n\t"
			 :: "r"(n) : "rcx", "cc", "memory");
	return NULL;
}

/* One window around one string instruction `insn` with rcx = count. */
#define REP_WINDOW(insn, dst, src, count)					\
	__asm__ volatile("mov %0, %%rdi\n\t"					\
			 "mov %1, %%rsi\n\t"					\
			 "mov %2, %%rcx\n\t"					\
			 "mov $0x5a, %%eax\n\t"					\
			 GETBUF_COUNT_OPEN_ASM					\
			 insn "\n\t"						\
			 GETBUF_COUNT_CLOSE_ASM					\
			 :: "r"(dst), "r"(src), "r"((unsigned long)(count))	\
			 : "rdi", "rsi", "rcx", "rax", "cc", "memory")

static int rep(unsigned long k)
{
	char *src = malloc(k + 8), *dst = malloc(k + 8);

	if (!src || !dst)
		return 1;
	memset(src, 0xa5, k + 8);
	REP_WINDOW("rep movsb", dst, src, k);
	REP_WINDOW("rep movsq", dst, src, k / 8);
	REP_WINDOW("rep stosb", dst, src, k);
	REP_WINDOW("rep stosl", dst, src, k / 4);
	REP_WINDOW("rep stosw", dst, src, k / 2);
	REP_WINDOW("rep movsb", dst, src, 0);
	REP_WINDOW("movsb", dst, src, k);
	free(src);
	free(dst);
	return 0;
}

static void syscall_asm(unsigned long n)
{
	__asm__ volatile("mov %0, %%rbx\n\t"
			 GETBUF_COUNT_OPEN_ASM
			 "1: mov $39, %%eax\n\t"	/* getpid */
			 "syscall\n\t"
			 "dec %%rbx\n\t"
			 "jnz 1b\n\t"
			 GETBUF_COUNT_CLOSE_ASM
			 :: "r"(n) : "rax", "rbx", "rcx", "r11", "cc", "memory");
}

static void syscall_libc(unsigned long n)
{
	getbuf_count_open();
	for (unsigned long i = 0; i < n; i++)
		syscall(SYS_getpid);
	getbuf_count_close();
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Deterministic libc work: a sort of LCG numbers, formatting, allocation. */
static int work(unsigned long rounds)
{
	uint32_t seed = 12345;
	char buf[64];
	size_t n = 5000;

	for (unsigned long r = 0; r < rounds; r++) {
		uint32_t *v = malloc(n * sizeof(*v));
		unsigned long sum = 0;

		if (!v)
			return 1;
		getbuf_count_open();
		for (size_t i = 0; i < n; i++)
			v[i] = seed = seed * 1103515245u + 12345u;
		qsort(v, n, sizeof(*v), cmp_u32);
		for (size_t i = 0; i < n; i += 50)
			sum += (unsigned long)snprintf(buf, sizeof(buf), "%u:%x", v[i], v[i]);
		getbuf_count_close();
		free(v);
		if (sum == 0)
			return 1;
	}
	return 0;
}

static int threads(unsigned long t, unsigned long n)
{
	pthread_t tid[64];

	if (t > 64)
		return 1;
	getbuf_count_open();
	for (unsigned long i = 0; i < t; i++)
		if (pthread_create(&tid[i], NULL, bare_loop, (void *)n))
			return 1;
	for (unsigned long i = 0; i < t; i++)
		pthread_join(tid[i], NULL);
	getbuf_count_close();
	return 0;
}

/* The target of `probe`: the selftest looks its address up with nm. */
__attribute__((noinline)) void count_test_probe_target(void)
{
	__asm__ volatile("" ::: "memory");
}

static void probe(unsigned long m)
{
	getbuf_count_open();
	for (unsigned long i = 0; i < m; i++)
		count_test_probe_target();
	getbuf_count_close();
}

static int vsyscall(unsigned long m)
{
	time_t (*vtime)(time_t *) = (time_t (*)(time_t *))0xffffffffff600400ul;
	time_t t = 0;

	getbuf_count_open();
	for (unsigned long i = 0; i < m; i++)
		t |= vtime(NULL);
	getbuf_count_close();
	return t == 0;
}

static void markers(void)
{
	getbuf_count_close();	/* stray */
	getbuf_count_open();
	getbuf_count_open();	/* reopen: restarts window 2 */
	loop(10);		/* window 3 (a second reopen), closed */
	getbuf_count_open();	/* window 4, open at exit */
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "loop") && argc == 3)
		loop(arg(argv, 2));
	else if (!strcmp(cmd, "rep") && argc == 3)
		return rep(arg(argv, 2));
	else if (!strcmp(cmd, "syscall") && argc == 3)
		syscall_asm(arg(argv, 2));
	else if (!strcmp(cmd, "libc-syscall") && argc == 3)
		syscall_libc(arg(argv, 2));
	else if (!strcmp(cmd, "work") && argc == 3)
		return work(arg(argv, 2));
	else if (!strcmp(cmd, "threads") && argc == 4)
		return threads(arg(argv, 2), arg(argv, 3));
	else if (!strcmp(cmd, "probe") && argc == 3)
		probe(arg(argv, 2));
	else if (!strcmp(cmd, "vsyscall") && argc == 3)
		return vsyscall(arg(argv, 2));
	else if (!strcmp(cmd, "markers") && argc == 2)
		markers();
	else {
		fprintf(stderr, "usage: count-test loop N | rep K | syscall N | "
			"libc-syscall N | work R | threads T N | probe M | vsyscall M | "
			"markers\n");
		return 2;
	}
	return 0;
}
