/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JNI surface of io.getbuf.transport.internal.Native. Everything here is a
 * thin call into the kernel; the submission and completion queues are driven
 * from Java over the mmapped rings, so the hot path costs one JNI call
 * (io_uring_enter) per event-loop iteration.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "getbuf_files.h"
#include "getbuf_ring.h"
#include "getbuf_unix.h"
#include "netty_jni_util.h"
#include "netty_unix.h"

#define NATIVE_CLASS "io/getbuf/transport/internal/Native"
#define LIBRARY_NAME "getbuf_transport_native"

static jint native_ring_setup(JNIEnv *env, jclass clazz, jint entries, jlong params_addr)
{
	return getbuf_ring_setup((unsigned int) entries,
				 (struct io_uring_params *) (intptr_t) params_addr);
}

static jint native_ring_enter(JNIEnv *env, jclass clazz, jint ring_fd, jint to_submit,
			      jint min_complete, jint flags, jlong arg, jint arg_size)
{
	return getbuf_ring_enter(ring_fd, (unsigned int) to_submit, (unsigned int) min_complete,
				 (unsigned int) flags, (const void *) (intptr_t) arg,
				 (size_t) arg_size);
}

static jint native_ring_register(JNIEnv *env, jclass clazz, jint ring_fd, jint opcode,
				 jlong arg, jint nr_args)
{
	return getbuf_ring_register(ring_fd, (unsigned int) opcode,
				    (const void *) (intptr_t) arg, (unsigned int) nr_args);
}

static jlong native_mmap(JNIEnv *env, jclass clazz, jint fd, jlong length, jlong offset)
{
	return getbuf_mmap_shared(fd, (size_t) length, (uint64_t) offset);
}

static jlong native_mmap_anonymous(JNIEnv *env, jclass clazz, jlong length)
{
	return getbuf_mmap_anonymous((size_t) length);
}

static jint native_munmap(JNIEnv *env, jclass clazz, jlong addr, jlong length)
{
	return getbuf_munmap((void *) (intptr_t) addr, (size_t) length);
}

/*
 * A read-only shared mapping of length bytes of fd from offset (page aligned): the file's
 * page-cache pages as Java sees them. Its address, or -errno.
 */
static jlong native_mmap_read_only(JNIEnv *env, jclass clazz, jint fd, jlong length, jlong offset)
{
	void *addr = mmap(NULL, (size_t) length, PROT_READ, MAP_SHARED, fd, (off_t) offset);

	return addr == MAP_FAILED ? -errno : (jlong) (intptr_t) addr;
}

/* A direct ByteBuffer over memory the caller owns (JNI's own, so the JDK need not be opened). */
static jobject native_direct_buffer(JNIEnv *env, jclass clazz, jlong addr, jint length)
{
	return (*env)->NewDirectByteBuffer(env, (void *) (intptr_t) addr, (jlong) length);
}

/* A close-on-exec duplicate of fd, or -errno. */
static jint native_dup(JNIEnv *env, jclass clazz, jint fd)
{
	int res = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return res < 0 ? -errno : res;
}

static jint native_eventfd(JNIEnv *env, jclass clazz)
{
	/* blocking on purpose: an IORING_OP_READ on an O_NONBLOCK eventfd fails with -EAGAIN
	 * instead of waiting for the counter to become non-zero */
	int fd = eventfd(0, EFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static jint native_eventfd_write(JNIEnv *env, jclass clazz, jint fd, jlong value)
{
	uint64_t v = (uint64_t) value;

	/* EAGAIN means the counter is saturated: the reader is awake anyway. */
	if (write(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static jint native_pipe(JNIEnv *env, jclass clazz, jlong fds_addr)
{
	return pipe2((int *) (intptr_t) fds_addr, O_CLOEXEC | O_NONBLOCK) < 0 ? -errno : 0;
}

static jint native_close(JNIEnv *env, jclass clazz, jint fd)
{
	return close(fd) < 0 ? -errno : 0;
}

/* F_SETPIPE_SZ: the pipe's capacity, rounded up by the kernel to a power of two pages. */
static jint native_set_pipe_size(JNIEnv *env, jclass clazz, jint fd, jint size)
{
	int res = fcntl(fd, F_SETPIPE_SZ, size);

	return res < 0 ? -errno : res;
}

/*
 * sendfile(2) from in_fd at offset to out_fd: bytes sent (0 at end of file) or -errno. The
 * offset is passed by value: the file's own position is never used or moved.
 */
static jlong native_sendfile(JNIEnv *env, jclass clazz, jint out_fd, jint in_fd, jlong offset,
			     jlong count)
{
	off_t off = (off_t) offset;
	ssize_t res = sendfile(out_fd, in_fd, &off, (size_t) count);

	return res < 0 ? -errno : (jlong) res;
}

static jfieldID region_file_field;
static jfieldID region_transferred_field;
static jfieldID file_channel_fd_field;
static jfieldID file_descriptor_fd_field;

static jclass file_channel_impl_class;

/*
 * The fd behind a DefaultFileRegion's FileChannel (the region must be open), -EBADF when it has
 * none, or -EOPNOTSUPP when the channel is not the JDK's own (FileChannelImpl): its fd field is
 * that class's alone, and reading it from another object would be undefined. Read through JNI,
 * which may see private fields without opening the JDK's packages to reflection.
 */
static jint native_file_region_fd(JNIEnv *env, jclass clazz, jobject region)
{
	jobject channel = (*env)->GetObjectField(env, region, region_file_field);
	jobject descriptor;

	if (channel == NULL)
		return -EBADF;
	if (!(*env)->IsInstanceOf(env, channel, file_channel_impl_class))
		return -EOPNOTSUPP;
	descriptor = (*env)->GetObjectField(env, channel, file_channel_fd_field);
	if (descriptor == NULL)
		return -EBADF;
	return (*env)->GetIntField(env, descriptor, file_descriptor_fd_field);
}

/* The fd behind a JDK FileChannel (open), or -EBADF (closed, or another implementation). */
static jint native_file_channel_fd(JNIEnv *env, jclass clazz, jobject channel)
{
	jobject descriptor;

	if (channel == NULL || !(*env)->IsInstanceOf(env, channel, file_channel_impl_class))
		return -EBADF;
	descriptor = (*env)->GetObjectField(env, channel, file_channel_fd_field);
	if (descriptor == NULL)
		return -EBADF;
	return (*env)->GetIntField(env, descriptor, file_descriptor_fd_field);
}

/* Records what a transfer sent in the region's own counter (FileRegion.transferred()). */
static void native_set_file_region_transferred(JNIEnv *env, jclass clazz, jobject region,
					       jlong transferred)
{
	(*env)->SetLongField(env, region, region_transferred_field, transferred);
}

static int lookup_field(JNIEnv *env, const char *class_name, const char *name, const char *sig,
			jfieldID *out)
{
	jclass cls = (*env)->FindClass(env, class_name);

	if (cls == NULL)
		return -1;
	*out = (*env)->GetFieldID(env, cls, name, sig);
	(*env)->DeleteLocalRef(env, cls);
	return *out == NULL ? -1 : 0;
}

static int lookup_file_channel_class(JNIEnv *env)
{
	jclass cls = (*env)->FindClass(env, "sun/nio/ch/FileChannelImpl");

	if (cls == NULL) {
		(*env)->ExceptionClear(env);
		return -1;
	}
	file_channel_impl_class = (*env)->NewGlobalRef(env, cls);
	(*env)->DeleteLocalRef(env, cls);
	return file_channel_impl_class == NULL ? -1 : 0;
}

static int lookup_file_region_fields(JNIEnv *env)
{
	if (lookup_field(env, "io/netty/channel/DefaultFileRegion", "file",
			 "Ljava/nio/channels/FileChannel;", &region_file_field) ||
	    lookup_field(env, "io/netty/channel/DefaultFileRegion", "transferred", "J",
			 &region_transferred_field) ||
	    lookup_field(env, "sun/nio/ch/FileChannelImpl", "fd", "Ljava/io/FileDescriptor;",
			 &file_channel_fd_field) ||
	    lookup_field(env, "java/io/FileDescriptor", "fd", "I", &file_descriptor_fd_field)) {
		(*env)->ExceptionClear(env);
		return -1;
	}
	return lookup_file_channel_class(env);
}

/* The device (st_dev) of the file system fd's file lives on, or -errno: what GET_BUF support is remembered by. */
static jlong native_file_device(JNIEnv *env, jclass clazz, jint fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? -errno : (jlong) st.st_dev;
}

/* Whether fd is a regular file (1, 0 if not), or -errno. */
static jint native_is_regular_file(JNIEnv *env, jclass clazz, jint fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode);
}

static jint native_get_buf_opcode(JNIEnv *env, jclass clazz)
{
	return IORING_OP_GET_BUF;
}

static const JNINativeMethod native_methods[] = {
	{ "ioUringSetup", "(IJ)I", (void *) native_ring_setup },
	{ "ioUringEnter", "(IIIIJI)I", (void *) native_ring_enter },
	{ "ioUringRegister", "(IIJI)I", (void *) native_ring_register },
	{ "mmap", "(IJJ)J", (void *) native_mmap },
	{ "mmapAnonymous", "(J)J", (void *) native_mmap_anonymous },
	{ "munmap", "(JJ)I", (void *) native_munmap },
	{ "mmapReadOnly", "(IJJ)J", (void *) native_mmap_read_only },
	{ "directBuffer", "(JI)Ljava/nio/ByteBuffer;", (void *) native_direct_buffer },
	{ "dup", "(I)I", (void *) native_dup },
	{ "fileChannelFd0", "(Ljava/nio/channels/FileChannel;)I", (void *) native_file_channel_fd },
	{ "eventFd", "()I", (void *) native_eventfd },
	{ "eventFdWrite", "(IJ)I", (void *) native_eventfd_write },
	{ "pipe", "(J)I", (void *) native_pipe },
	{ "close", "(I)I", (void *) native_close },
	{ "getBufOpcode0", "()I", (void *) native_get_buf_opcode },
	{ "setPipeSize", "(II)I", (void *) native_set_pipe_size },
	{ "sendfile", "(IIJJ)J", (void *) native_sendfile },
	{ "fileDevice", "(I)J", (void *) native_file_device },
	{ "isRegularFile0", "(I)I", (void *) native_is_regular_file },
	{ "fileRegionFd0", "(Lio/netty/channel/DefaultFileRegion;)I", (void *) native_file_region_fd },
	{ "setFileRegionTransferred", "(Lio/netty/channel/DefaultFileRegion;J)V",
	  (void *) native_set_file_region_transferred },
};

static jint getbuf_native_load(JNIEnv *env, const char *package_prefix)
{
	int n = sizeof(native_methods) / sizeof(native_methods[0]);

	if (lookup_file_region_fields(env) != 0)
		return JNI_ERR;
	if (netty_unix_register(env, package_prefix) == JNI_ERR)
		return JNI_ERR;
	if (netty_jni_util_register_natives(env, package_prefix, NATIVE_CLASS, native_methods,
					    n) != 0) {
		netty_unix_unregister(env, package_prefix);
		return JNI_ERR;
	}
	if (getbuf_files_load(env, package_prefix) != 0) {
		netty_jni_util_unregister_natives(env, package_prefix, NATIVE_CLASS);
		netty_unix_unregister(env, package_prefix);
		return JNI_ERR;
	}
	/* Unix domain sockets (getbuf_unix.c) */
	if (getbuf_unix_load(env, package_prefix) != 0) {
		getbuf_files_unload(env);
		netty_jni_util_unregister_natives(env, package_prefix, NATIVE_CLASS);
		netty_unix_unregister(env, package_prefix);
		return JNI_ERR;
	}
	return NETTY_JNI_UTIL_JNI_VERSION;
}

static void getbuf_native_unload(JNIEnv *env)
{
	getbuf_files_unload(env);
	if (file_channel_impl_class != NULL) {
		(*env)->DeleteGlobalRef(env, file_channel_impl_class);
		file_channel_impl_class = NULL;
	}
	/* unix-common's natives stay registered: other transports may share them */
}

JNIEXPORT jint JNI_OnLoad(JavaVM *vm, void *reserved)
{
	return netty_jni_util_JNI_OnLoad(vm, reserved, LIBRARY_NAME, getbuf_native_load);
}

JNIEXPORT void JNI_OnUnload(JavaVM *vm, void *reserved)
{
	netty_jni_util_JNI_OnUnload(vm, reserved, getbuf_native_unload);
}
