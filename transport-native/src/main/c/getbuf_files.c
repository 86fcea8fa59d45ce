/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JNI surface of io.getbuf.transport.internal.FileNative: opening a path beneath a
 * directory descriptor so that nothing in the path (symlinks, "..", a rename racing the
 * lookup) can lead out of it, and fstat of what was opened. openat2(2) with RESOLVE_BENEATH
 * where the kernel has it (5.6+); elsewhere a walk of openat(2) calls with O_NOFOLLOW, one
 * component at a time, that follows symlinks itself (when asked to) and refuses the same
 * things. Every function returns its result or -errno.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "getbuf_files.h"
#include "netty_jni_util.h"

#define FILES_CLASS "io/getbuf/transport/internal/FileNative"

#ifndef __NR_openat2
#define __NR_openat2 437
#endif

/* struct open_how and the RESOLVE_ flags of <linux/openat2.h>, so older headers build too */
struct getbuf_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

#define GETBUF_RESOLVE_NO_MAGICLINKS 0x02
#define GETBUF_RESOLVE_NO_SYMLINKS 0x04
#define GETBUF_RESOLVE_BENEATH 0x08

/* What is opened for reading: never blocks (a FIFO), never becomes a controlling terminal. */
#define FILE_FLAGS (O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
/* openat2 fails with EAGAIN when a rename raced a ".." it had to check; it may be retried. */
#define OPENAT2_TRIES 8
#define MAX_LINKS 40
#define MAX_DEPTH 256

/* Layout of the long[] the stat is returned in; mirrored by FileNative.STAT_* in Java. */
enum {
	STAT_MODE,
	STAT_SIZE,
	STAT_MTIME_SEC,
	STAT_MTIME_NSEC,
	STAT_CTIME_SEC,
	STAT_CTIME_NSEC,
	STAT_INO,
	STAT_DEV,
	STAT_NLINK,
	STAT_LEN
};

static jfieldID descriptor_fd_field;
static jclass descriptor_class;
static jmethodID descriptor_init;

static int open_beneath_openat2(int dirfd, const char *path, int follow)
{
	struct getbuf_open_how how = {
		.flags = FILE_FLAGS,
		.resolve = GETBUF_RESOLVE_BENEATH | GETBUF_RESOLVE_NO_MAGICLINKS |
			   (follow ? 0 : GETBUF_RESOLVE_NO_SYMLINKS),
	};
	int tries = 0;
	long fd;

	do {
		fd = syscall(__NR_openat2, dirfd, path, &how, sizeof(how));
	} while (fd < 0 && (errno == EINTR || (errno == EAGAIN && ++tries < OPENAT2_TRIES)));
	return fd < 0 ? -errno : (int) fd;
}

/* The directories walked so far: dirs[0] is the caller's (never closed here), the rest ours. */
struct walk {
	int dirs[MAX_DEPTH];
	int depth;
};

static void walk_release(struct walk *w)
{
	while (w->depth > 0)
		close(w->dirs[w->depth--]);
}

/*
 * Replaces the component just read (a symlink named name in the current directory) by its
 * target in front of the rest of the path, rest pointing into buf. An absolute target leaves
 * the directory: -EXDEV, as RESOLVE_BENEATH says.
 */
static int walk_splice_link(struct walk *w, const char *name, char *buf, size_t buf_len,
			    char **rest)
{
	char target[PATH_MAX];
	size_t rest_len = strlen(*rest);
	ssize_t n = readlinkat(w->dirs[w->depth], name, target, sizeof(target) - 1);

	if (n < 0)
		return errno == EINVAL ? -EAGAIN : -errno; /* no longer a symlink: it changed */
	target[n] = '\0';
	if (target[0] == '/')
		return -EXDEV;
	if ((size_t) n + 1 + rest_len + 1 > buf_len)
		return -ENAMETOOLONG;
	memmove(buf + n + 1, *rest, rest_len + 1);
	memcpy(buf, target, (size_t) n);
	buf[n] = '/';
	*rest = buf;
	return 0;
}

/* Takes the next component off *rest into name; 0 when none is left. */
static int next_component(char **rest, char *name, size_t name_len)
{
	char *p = *rest;
	size_t n;

	while (*p == '/')
		p++;
	if (*p == '\0') {
		*rest = p;
		return 0;
	}
	n = strcspn(p, "/");
	if (n >= name_len)
		return -ENAMETOOLONG;
	memcpy(name, p, n);
	name[n] = '\0';
	*rest = p + n;
	return 1;
}

static int only_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return *p == '\0';
}

/*
 * The fallback for kernels without openat2: each directory opened with O_PATH | O_NOFOLLOW
 * and checked by fstat, the last component opened with O_NOFOLLOW. A symlink met on the way is
 * refused (-ELOOP, as RESOLVE_NO_SYMLINKS) or, with follow, read and walked in its place; ".."
 * goes back one directory and never above the first (-EXDEV, as RESOLVE_BENEATH).
 */
static int open_beneath_walk(int dirfd, const char *path, int follow)
{
	char buf[2 * PATH_MAX];
	char name[NAME_MAX + 1];
	struct walk w = { .dirs = { dirfd }, .depth = 0 };
	char *rest = buf;
	int links = 0;
	int res;

	if (path[0] == '/')
		return -EXDEV;
	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (;;) {
		struct stat st;
		int last, fd;

		res = next_component(&rest, name, sizeof(name));
		if (res < 0)
			break;
		if (res == 0) { /* nothing left: the path named the directory reached so far */
			res = openat(w.dirs[w.depth], ".", FILE_FLAGS);
			if (res < 0)
				res = -errno;
			break;
		}
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (w.depth == 0) {
				res = -EXDEV;
				break;
			}
			close(w.dirs[w.depth--]);
			continue;
		}
		last = only_slashes(rest);
		fd = openat(w.dirs[w.depth], name,
			    last ? FILE_FLAGS | O_NOFOLLOW : O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && !(last && errno == ELOOP)) {
			res = -errno;
			break;
		}
		if (fd >= 0 && fstat(fd, &st) < 0) {
			res = -errno;
			close(fd);
			break;
		}
		if (fd < 0 || S_ISLNK(st.st_mode)) { /* a symlink: refuse it, or walk its target */
			if (fd >= 0)
				close(fd);
			if (!follow) {
				res = -ELOOP;
				break;
			}
			if (++links > MAX_LINKS) {
				res = -ELOOP;
				break;
			}
			res = walk_splice_link(&w, name, buf, sizeof(buf), &rest);
			if (res < 0)
				break;
			continue;
		}
		if (last) {
			res = fd;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			res = -ENOTDIR;
			break;
		}
		if (w.depth + 1 >= MAX_DEPTH) {
			close(fd);
			res = -ENAMETOOLONG;
			break;
		}
		w.dirs[++w.depth] = fd;
	}
	walk_release(&w);
	return res;
}

static int fill_stat(JNIEnv *env, int fd, jlongArray out)
{
	struct stat st;
	jlong v[STAT_LEN];

	if (fstat(fd, &st) < 0)
		return -errno;
	v[STAT_MODE] = st.st_mode;
	v[STAT_SIZE] = st.st_size;
	v[STAT_MTIME_SEC] = st.st_mtim.tv_sec;
	v[STAT_MTIME_NSEC] = st.st_mtim.tv_nsec;
	v[STAT_CTIME_SEC] = st.st_ctim.tv_sec;
	v[STAT_CTIME_NSEC] = st.st_ctim.tv_nsec;
	v[STAT_INO] = (jlong) st.st_ino;
	v[STAT_DEV] = (jlong) st.st_dev;
	v[STAT_NLINK] = (jlong) st.st_nlink;
	(*env)->SetLongArrayRegion(env, out, 0, STAT_LEN, v);
	return 0;
}

/* A NUL-terminated copy of a Java byte[] path; NULL (and *err) when it cannot be one. */
static char *path_of(JNIEnv *env, jbyteArray path, int *err)
{
	jsize n = (*env)->GetArrayLength(env, path);
	char *p;

	if (n >= 2 * PATH_MAX) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	p = malloc((size_t) n + 1);
	if (p == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	(*env)->GetByteArrayRegion(env, path, 0, n, (jbyte *) p);
	p[n] = '\0';
	if (strlen(p) != (size_t) n) { /* a NUL inside would cut the path short */
		free(p);
		*err = -EINVAL;
		return NULL;
	}
	return p;
}

static jint native_open_directory(JNIEnv *env, jclass clazz, jbyteArray path)
{
	int err = 0;
	char *p = path_of(env, path, &err);
	int fd;

	if (p == NULL)
		return err;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fd < 0 ? -errno : fd;
	free(p);
	return err;
}

/*
 * Opens path beneath dirfd for reading (O_NONBLOCK: a FIFO does not block) and fstats it into
 * stat: the descriptor, or -errno (ELOOP: a symlink refused; EXDEV: it would lead out).
 */
static jint native_open_beneath(JNIEnv *env, jclass clazz, jint dirfd, jbyteArray path,
				jboolean follow, jboolean openat2, jlongArray stat)
{
	int err = 0;
	char *p = path_of(env, path, &err);
	int fd;

	if (p == NULL)
		return err;
	fd = openat2 ? open_beneath_openat2(dirfd, p, follow) : open_beneath_walk(dirfd, p, follow);
	free(p);
	if (fd < 0)
		return fd;
	err = fill_stat(env, fd, stat);
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

static jint native_fstat(JNIEnv *env, jclass clazz, jint fd, jlongArray stat)
{
	return fill_stat(env, fd, stat);
}

/* Whether this kernel (and seccomp policy) has openat2: 1, 0, or -errno of the probe. */
static jint native_openat2_supported(JNIEnv *env, jclass clazz)
{
	struct getbuf_open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = GETBUF_RESOLVE_BENEATH };
	long fd = syscall(__NR_openat2, AT_FDCWD, ".", &how, sizeof(how));

	if (fd >= 0) {
		close((int) fd);
		return 1;
	}
	return errno == ENOSYS || errno == EPERM ? 0 : -errno;
}

/* A java.io.FileDescriptor for fd (which it then owns), set through JNI as the JDK does. */
static jobject native_file_descriptor(JNIEnv *env, jclass clazz, jint fd)
{
	jobject d = (*env)->NewObject(env, descriptor_class, descriptor_init);

	if (d != NULL)
		(*env)->SetIntField(env, d, descriptor_fd_field, fd);
	return d;
}

/* Grows *buf to hold need bytes; 0 or -ENOMEM. */
static int reserve(char **buf, size_t *cap, size_t need)
{
	char *bigger;
	size_t n = *cap;

	if (need <= n)
		return 0;
	while (n < need)
		n *= 2;
	bigger = realloc(*buf, n);
	if (bigger == NULL)
		return -ENOMEM;
	*buf = bigger;
	*cap = n;
	return 0;
}

static char entry_type(int dirfd, const struct dirent *e)
{
	struct stat st;
	unsigned char t = e->d_type;

	if (t == DT_UNKNOWN) {
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return '?';
		t = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG :
		    S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
	}
	return t == DT_DIR ? 'd' : t == DT_REG ? 'f' : t == DT_LNK ? 'l' : '?';
}

/*
 * The entries of the directory open as fd, read through a descriptor of its own (fd's offset
 * is shared with whoever else holds it): for each, a type byte ('d', 'f', 'l', '?') and the
 * name, NUL-terminated; "." and ".." left out. NULL on failure, *err set.
 */
static jbyteArray list_directory(JNIEnv *env, int fd, int *err)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	struct dirent *e;
	jbyteArray out;
	int dfd;
	DIR *d;

	if (buf == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dfd < 0 ? NULL : fdopendir(dfd);
	if (d == NULL) {
		*err = -errno;
		if (dfd >= 0)
			close(dfd);
		free(buf);
		return NULL;
	}
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (reserve(&buf, &cap, len + n + 2) < 0) {
			*err = -ENOMEM;
			break;
		}
		buf[len++] = entry_type(dfd, e);
		memcpy(buf + len, e->d_name, n + 1);
		len += n + 1;
	}
	if (e == NULL && errno != 0)
		*err = -errno;
	closedir(d);
	out = NULL;
	if (*err == 0) {
		out = (*env)->NewByteArray(env, (jsize) len);
		if (out != NULL)
			(*env)->SetByteArrayRegion(env, out, 0, (jsize) len, (jbyte *) buf);
	}
	free(buf);
	return out;
}

static jbyteArray native_list_directory(JNIEnv *env, jclass clazz, jint fd, jintArray err_out)
{
	int err = 0;
	jbyteArray out = list_directory(env, fd, &err);
	jint e = err;

	if (err != 0)
		(*env)->SetIntArrayRegion(env, err_out, 0, 1, &e);
	return out;
}

static const JNINativeMethod files_methods[] = {
	{ "openDirectory", "([B)I", (void *) native_open_directory },
	{ "openBeneath", "(I[BZZ[J)I", (void *) native_open_beneath },
	{ "fstat", "(I[J)I", (void *) native_fstat },
	{ "openat2Supported", "()I", (void *) native_openat2_supported },
	{ "fileDescriptor", "(I)Ljava/io/FileDescriptor;", (void *) native_file_descriptor },
	{ "listDirectory", "(I[I)[B", (void *) native_list_directory },
};

int getbuf_files_load(JNIEnv *env, const char *package_prefix)
{
	int n = sizeof(files_methods) / sizeof(files_methods[0]);
	jclass cls = (*env)->FindClass(env, "java/io/FileDescriptor");

	if (cls == NULL)
		return -1;
	descriptor_class = (*env)->NewGlobalRef(env, cls);
	descriptor_init = (*env)->GetMethodID(env, cls, "<init>", "()V");
	descriptor_fd_field = (*env)->GetFieldID(env, cls, "fd", "I");
	(*env)->DeleteLocalRef(env, cls);
	if (descriptor_class == NULL || descriptor_init == NULL || descriptor_fd_field == NULL) {
		(*env)->ExceptionClear(env);
		return -1;
	}
	return netty_jni_util_register_natives(env, package_prefix, FILES_CLASS, files_methods, n);
}

void getbuf_files_unload(JNIEnv *env)
{
	if (descriptor_class != NULL) {
		(*env)->DeleteGlobalRef(env, descriptor_class);
		descriptor_class = NULL;
	}
}
