// SPDX-License-Identifier: Apache-2.0
/*
 * getbuf-count: a QEMU 7.2 TCG plugin (plugin API version 1) that counts, per
 * window between two markers the guest executes, what an x86-64 guest did:
 *
 *   insns_user, insns_kernel  instructions executed, by the instruction's
 *                             virtual address (kernel: >= 0xffff800000000000),
 *                             as TCG counts them: each iteration of a rep
 *                             string instruction is one execution, and a rep
 *                             movs/stos of K > 0 elements executes K + 1 times
 *                             (the last run finds rcx == 0 and moves nothing)
 *   rep_iters_*, rep_bytes_*  iterations of rep movs/stos and the bytes they
 *                             wrote, from inline counts of the instructions'
 *                             memory accesses: an iteration of movs is a load
 *                             and a store, one of stos a store (7.2 cannot
 *                             count stores alone, see README.md)
 *   rep_execs_*               executions of rep movs/stos as TCG counts them
 *   rep_insns_*               rep_execs - rep_iters: the rep movs/stos as one
 *                             instruction each (see "limits" in README.md)
 *   insns_*_norep             insns - rep_iters: the instruction count with a
 *                             rep movs/stos counted once, as hardware does
 *   syscalls                  `syscall` instructions executed
 *   probe_NAME                executions of the instruction at a given
 *                             address (probe=NAME@0xADDR), e.g. the kernel's
 *                             page fault entry
 *
 * A window opens when a vCPU executes `nopl 0x47420001(%rax)` and closes at
 * `nopl 0x47420002(%rax)` (getbuf-count-mark.h); the plugin recognises them
 * from the instruction bytes at translation time, as the 7.2 API can read no
 * registers. The counters run all the time; a marker snapshots them, and a
 * window is the difference of two snapshots. A window counts every vCPU, and
 * the markers themselves are not counted. At each close, and at exit, one
 * line goes to the file of out=FILE (default: stderr):
 *
 *   COUNT window=1 end=close insns_user=... insns_kernel=... ...
 *   COUNT window=total end=exit ... windows=1 reopens=0 stray_closes=0 vcpus=1
 *
 * Arguments (-plugin libgetbuf-count.so,ARG,ARG...):
 *   out=FILE          where the COUNT lines go (truncated at start)
 *   mode=inline       (default) inline additions to one set of counters: the
 *                     fastest; exact when one host thread runs all vCPUs (one
 *                     vCPU, or any number under -icount, which serialises
 *                     them); with MTTCG or a multi-threaded user-mode program
 *                     concurrent additions can be lost
 *   mode=percpu       a callback per instruction adding atomically to
 *                     per-vCPU counters: exact with any threading, slower
 *   probe=NAME@ADDR   count executions of the instruction at ADDR (up to 8)
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <qemu-plugin.h>

#include "getbuf-count-mark.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define KERNEL_BASE	0xffff800000000000ull
#define MAX_PROBES	8
#define SLOTS		64	/* per-vCPU counter sets of mode=percpu */

enum side { USER, KERNEL, SIDES };

static const char *const side_name[SIDES] = { "user", "kernel" };

struct side_counts {
	uint64_t insns;
	uint64_t rep_execs;
	uint64_t rep_iters2;	/* twice the iterations: each access adds 2/accesses */
	uint64_t rep_bytes2;	/* twice the bytes stored */
};

struct counts {
	struct side_counts side[SIDES];
	uint64_t syscalls;
	uint64_t probes[MAX_PROBES];
};

/* What translation learns about one instruction. */
struct insn_kind {
	enum side side;
	uint32_t mark;		/* GETBUF_COUNT_MARK_OPEN/_CLOSE, or 0 */
	unsigned int rep_size;	/* element size of a rep movs/stos, or 0 */
	unsigned int rep_accesses; /* memory accesses per iteration: movs 2, stos 1 */
	bool syscall;
	int probe;		/* index into cfg.probes, or -1 */
};

struct probe {
	const char *name;
	uint64_t vaddr;
};

static struct {
	FILE *out;
	bool percpu;
	struct probe probes[MAX_PROBES];
	int nprobes;
} cfg;

/* mode=inline: every vCPU adds here. */
static struct counts inline_counts;

/* mode=percpu: vCPU i adds (atomically) to slots[i % SLOTS]. */
static struct slot {
	struct counts c;
} __attribute__((aligned(64))) slots[SLOTS];

/* The window; the lock serialises markers, vCPU starts and exit. */
static struct {
	GMutex lock;
	bool open;
	uint64_t opened;
	uint64_t reopens;
	uint64_t stray_closes;
	unsigned int vcpus;
	struct counts start;
} win;

/* Encoding of struct insn_kind in a mode=percpu callback's userdata. */
#define PERCPU_KERNEL	0x1u
#define PERCPU_REP	0x2u
#define PERCPU_SYSCALL	0x4u
#define PERCPU_PROBE_SHIFT 4	/* probe index + 1, 0 = none */
/* Memory callbacks: side | (iters2 increment) << 1 | (bytes2 increment) << 3. */
#define ACCESS_ITERS_SHIFT 1
#define ACCESS_BYTES_SHIFT 3

/* ---- counters ---- */

static void counter_add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static uint64_t counter_read(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Counters are plain arrays of uint64_t: walk them as such. */
#define COUNTS_N (sizeof(struct counts) / sizeof(uint64_t))

static void counts_accumulate(struct counts *dst, const struct counts *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;

	for (size_t i = 0; i < COUNTS_N; i++)
		d[i] += counter_read(&s[i]);
}

static void counts_snapshot(struct counts *now)
{
	memset(now, 0, sizeof(*now));
	if (!cfg.percpu) {
		counts_accumulate(now, &inline_counts);
		return;
	}
	for (int i = 0; i < SLOTS; i++)
		counts_accumulate(now, &slots[i].c);
}

static void counts_diff(struct counts *out, const struct counts *end,
			const struct counts *start)
{
	uint64_t *o = (uint64_t *)out;
	const uint64_t *e = (const uint64_t *)end;
	const uint64_t *s = (const uint64_t *)start;

	for (size_t i = 0; i < COUNTS_N; i++)
		o[i] = e[i] - s[i];
}

/* ---- output ---- */

static void append_side(GString *line, enum side s, const struct side_counts *c)
{
	const char *n = side_name[s];
	uint64_t iters = c->rep_iters2 / 2;

	g_string_append_printf(line,
		" insns_%s=%" PRIu64 " insns_%s_norep=%" PRIu64
		" rep_insns_%s=%" PRId64 " rep_iters_%s=%" PRIu64
		" rep_bytes_%s=%" PRIu64 " rep_execs_%s=%" PRIu64,
		n, c->insns, n, c->insns - iters,
		n, (int64_t)(c->rep_execs - iters), n, iters,
		n, c->rep_bytes2 / 2, n, c->rep_execs);
}

/* Writes one COUNT line; the caller holds win.lock. */
static void write_line(const char *window, const char *end,
		       const struct counts *c, const char *extra)
{
	GString *line = g_string_new(NULL);

	g_string_append_printf(line, "COUNT window=%s end=%s", window, end);
	for (int s = 0; s < SIDES; s++)
		append_side(line, s, &c->side[s]);
	g_string_append_printf(line, " syscalls=%" PRIu64, c->syscalls);
	for (int i = 0; i < cfg.nprobes; i++)
		g_string_append_printf(line, " probe_%s=%" PRIu64,
				       cfg.probes[i].name, c->probes[i]);
	if (extra)
		g_string_append(line, extra);
	g_string_append_c(line, '\n');
	fputs(line->str, cfg.out);
	fflush(cfg.out);
	g_string_free(line, TRUE);
}

/* Writes the open window's line, ending it at `now`; caller holds win.lock. */
static void write_window(const struct counts *now, const char *end)
{
	struct counts c;
	char window[24];

	counts_diff(&c, now, &win.start);
	snprintf(window, sizeof(window), "%" PRIu64, win.opened);
	write_line(window, end, &c, NULL);
}

/* ---- markers ---- */

static void window_open(const struct counts *now)
{
	if (win.open)
		win.reopens++;	/* restart: the earlier open is forgotten */
	win.open = true;
	win.opened++;
	win.start = *now;
}

static void window_close(const struct counts *now)
{
	if (!win.open) {
		win.stray_closes++;
		return;
	}
	write_window(now, "close");
	win.open = false;
}

static void on_marker(unsigned int vcpu_index, void *udata)
{
	uint32_t mark = GPOINTER_TO_UINT(udata);
	struct counts now;

	g_mutex_lock(&win.lock);
	counts_snapshot(&now);
	if (mark == GETBUF_COUNT_MARK_OPEN)
		window_open(&now);
	else
		window_close(&now);
	g_mutex_unlock(&win.lock);
}

/* ---- decoding ---- */

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

/*
 * The element size of a rep movs/rep stos (64-bit code), 0 if b is another;
 * *accesses is set to the memory accesses of one iteration.
 */
static unsigned int rep_store_size(const uint8_t *b, size_t len,
				   unsigned int *accesses)
{
	bool rep = false, opsize = false, rexw = false;
	size_t i = 0;

	for (; i < len && is_legacy_prefix(b[i]); i++) {
		rep |= b[i] == 0xf2 || b[i] == 0xf3;
		opsize |= b[i] == 0x66;
	}
	if (i < len && (b[i] & 0xf0) == 0x40)
		rexw = b[i++] & 0x08;
	if (!rep || i + 1 != len)
		return 0;
	switch (b[i]) {
	case 0xa4: /* movsb: a load and a store */
	case 0xa5: /* movsw/d/q */
		*accesses = 2;
		break;
	case 0xaa: /* stosb: a store */
	case 0xab: /* stosw/d/q */
		*accesses = 1;
		break;
	default:
		return 0;
	}
	if (b[i] == 0xa4 || b[i] == 0xaa)
		return 1;
	return rexw ? 8 : opsize ? 2 : 4;
}

/* GETBUF_COUNT_MARK_OPEN/_CLOSE if b is the marker `nopl imm32(%rax)`. */
static uint32_t marker(const uint8_t *b, size_t len)
{
	uint32_t imm;

	if (len != 7 || b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x80)
		return 0;
	imm = b[3] | b[4] << 8 | b[5] << 16 | (uint32_t)b[6] << 24;
	if (imm != GETBUF_COUNT_MARK_OPEN && imm != GETBUF_COUNT_MARK_CLOSE)
		return 0;
	return imm;
}

static int probe_index(uint64_t vaddr)
{
	for (int i = 0; i < cfg.nprobes; i++)
		if (cfg.probes[i].vaddr == vaddr)
			return i;
	return -1;
}

static struct insn_kind classify(const struct qemu_plugin_insn *insn)
{
	const uint8_t *b = qemu_plugin_insn_data(insn);
	size_t len = qemu_plugin_insn_size(insn);
	uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
	struct insn_kind k = {
		.side = vaddr >= KERNEL_BASE ? KERNEL : USER,
		.mark = marker(b, len),
		.syscall = len == 2 && b[0] == 0x0f && b[1] == 0x05,
		.probe = probe_index(vaddr),
	};

	k.rep_size = rep_store_size(b, len, &k.rep_accesses);
	return k;
}

/* ---- instrumentation ---- */

static void exec_inline(struct qemu_plugin_insn *insn, uint64_t *p, uint64_t v)
{
	qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, p, v);
}

/*
 * On every memory access of insn, loads included: 7.2 compares the filter
 * QEMU_PLUGIN_MEM_W with the access's enum value plus one (plugin-gen.c's
 * op_rw), so a store-only inline op also runs on loads.
 */
static void access_inline(struct qemu_plugin_insn *insn, uint64_t *p, uint64_t v)
{
	qemu_plugin_register_vcpu_mem_inline(insn, QEMU_PLUGIN_MEM_RW,
					     QEMU_PLUGIN_INLINE_ADD_U64, p, v);
}

/* Per access: what adds up to 2 per iteration and 2 x size bytes. */
static unsigned int access_iters2(const struct insn_kind *k)
{
	return 2 / k->rep_accesses;
}

static unsigned int access_bytes2(const struct insn_kind *k)
{
	return 2 * k->rep_size / k->rep_accesses;
}

static void instrument_inline(struct qemu_plugin_insn *insn, const struct insn_kind *k)
{
	struct side_counts *sc = &inline_counts.side[k->side];

	exec_inline(insn, &sc->insns, 1);
	if (k->rep_size) {
		exec_inline(insn, &sc->rep_execs, 1);
		access_inline(insn, &sc->rep_iters2, access_iters2(k));
		access_inline(insn, &sc->rep_bytes2, access_bytes2(k));
	}
	if (k->syscall)
		exec_inline(insn, &inline_counts.syscalls, 1);
	if (k->probe >= 0)
		exec_inline(insn, &inline_counts.probes[k->probe], 1);
}

static void on_insn_percpu(unsigned int vcpu_index, void *udata)
{
	unsigned int f = GPOINTER_TO_UINT(udata);
	struct counts *c = &slots[vcpu_index % SLOTS].c;
	struct side_counts *sc = &c->side[f & PERCPU_KERNEL ? KERNEL : USER];
	unsigned int probe = f >> PERCPU_PROBE_SHIFT;

	counter_add(&sc->insns, 1);
	if (f & PERCPU_REP)
		counter_add(&sc->rep_execs, 1);
	if (f & PERCPU_SYSCALL)
		counter_add(&c->syscalls, 1);
	if (probe)
		counter_add(&c->probes[probe - 1], 1);
}

static void on_access_percpu(unsigned int vcpu_index, qemu_plugin_meminfo_t info,
			     uint64_t vaddr, void *udata)
{
	unsigned int f = GPOINTER_TO_UINT(udata);
	struct side_counts *sc = &slots[vcpu_index % SLOTS].c.side[f & PERCPU_KERNEL];

	counter_add(&sc->rep_iters2, (f >> ACCESS_ITERS_SHIFT) & 3);
	counter_add(&sc->rep_bytes2, f >> ACCESS_BYTES_SHIFT);
}

static void instrument_percpu(struct qemu_plugin_insn *insn, const struct insn_kind *k)
{
	unsigned int f = k->side == KERNEL ? PERCPU_KERNEL : 0;

	if (k->rep_size) {
		unsigned int a = f | access_iters2(k) << ACCESS_ITERS_SHIFT |
				 access_bytes2(k) << ACCESS_BYTES_SHIFT;

		qemu_plugin_register_vcpu_mem_cb(insn, on_access_percpu,
			QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
			GUINT_TO_POINTER(a));
		f |= PERCPU_REP;
	}
	if (k->syscall)
		f |= PERCPU_SYSCALL;
	if (k->probe >= 0)
		f |= (unsigned int)(k->probe + 1) << PERCPU_PROBE_SHIFT;
	qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn_percpu,
					       QEMU_PLUGIN_CB_NO_REGS, GUINT_TO_POINTER(f));
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);

	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		struct insn_kind k = classify(insn);

		if (k.mark)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
				QEMU_PLUGIN_CB_NO_REGS, GUINT_TO_POINTER(k.mark));
		else if (cfg.percpu)
			instrument_percpu(insn, &k);
		else
			instrument_inline(insn, &k);
	}
}

/* ---- life cycle ---- */

static void on_vcpu_init(qemu_plugin_id_t id, unsigned int vcpu_index)
{
	g_mutex_lock(&win.lock);
	if (vcpu_index + 1 > win.vcpus)
		win.vcpus = vcpu_index + 1;
	if (win.vcpus == 2 && !cfg.percpu)
		fprintf(stderr, "getbuf-count: a second vCPU (guest thread) with "
			"mode=inline: counts are exact only if one host thread "
			"runs them all (-icount); mode=percpu is exact\n");
	g_mutex_unlock(&win.lock);
}

static void on_plugin_exit(qemu_plugin_id_t id, void *udata)
{
	struct counts now;
	char extra[160];

	g_mutex_lock(&win.lock);
	counts_snapshot(&now);
	if (win.open)
		write_window(&now, "exit");
	snprintf(extra, sizeof(extra), " windows=%" PRIu64 " reopens=%" PRIu64
		 " stray_closes=%" PRIu64 " vcpus=%u mode=%s", win.opened,
		 win.reopens, win.stray_closes, win.vcpus,
		 cfg.percpu ? "percpu" : "inline");
	write_line("total", "exit", &now, extra);
	g_mutex_unlock(&win.lock);
}

static bool parse_probe(const char *spec)
{
	const char *at = strchr(spec, '@');
	char *end;

	if (!at || at == spec || cfg.nprobes == MAX_PROBES)
		return false;
	for (const char *p = spec; p < at; p++)
		if (!g_ascii_isalnum(*p) && *p != '_')
			return false;
	cfg.probes[cfg.nprobes].vaddr = g_ascii_strtoull(at + 1, &end, 0);
	if (end == at + 1 || *end)
		return false;
	cfg.probes[cfg.nprobes++].name = g_strndup(spec, at - spec);
	return true;
}

static bool parse_arg(const char *arg)
{
	if (g_str_has_prefix(arg, "out=")) {
		cfg.out = fopen(arg + 4, "w");
		if (!cfg.out)
			fprintf(stderr, "getbuf-count: cannot open %s: %m\n", arg + 4);
		return cfg.out != NULL;
	}
	if (!strcmp(arg, "mode=inline") || !strcmp(arg, "mode=percpu")) {
		cfg.percpu = !strcmp(arg, "mode=percpu");
		return true;
	}
	if (g_str_has_prefix(arg, "probe="))
		return parse_probe(arg + 6);
	return false;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	if (strcmp(info->target_name, "x86_64")) {
		fprintf(stderr, "getbuf-count: x86_64 guests only, not %s\n",
			info->target_name);
		return -1;
	}
	cfg.out = stderr;
	for (int i = 0; i < argc; i++) {
		if (!parse_arg(argv[i])) {
			fprintf(stderr, "getbuf-count: bad argument '%s' (out=FILE, "
				"mode=inline|percpu, probe=NAME@ADDR)\n", argv[i]);
			return -1;
		}
	}
	if (info->system_emulation && info->system.max_vcpus > 1 && !cfg.percpu)
		fprintf(stderr, "getbuf-count: %d vCPUs with mode=inline: exact "
			"only under -icount (one thread runs them all)\n",
			info->system.max_vcpus);
	g_mutex_init(&win.lock);
	qemu_plugin_register_vcpu_init_cb(id, on_vcpu_init);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
	return 0;
}
