/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The natives of io.getbuf.transport.internal.UnixSockets: what Unix domain sockets need beyond
 * netty-transport-native-unix-common. Its Socket reads a socket's name with strlen(), which
 * makes every Linux abstract name (a leading NUL) an empty string; the name here is as long as
 * the kernel says. Peer credentials are built as Netty's own glue builds them: its
 * PeerCredentials constructor is package-private, and JNI may call it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "getbuf_unix.h"
#include "netty_jni_util.h"
#include "netty_unix_errors.h"

#define UNIX_SOCKETS_CLASS "io/getbuf/transport/internal/UnixSockets"

/*
 * The name of fd (peer: of its peer) as bytes: a path without its NUL, or an abstract name with
 * its leading NUL. NULL for an unnamed socket, or on an error (then with an IOException pending).
 */
static jbyteArray native_domain_socket_name(JNIEnv *env, jclass clazz, jint fd, jboolean peer)
{
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	size_t name_len;
	jbyteArray bytes;
	int res;

	memset(&addr, 0, sizeof(addr));
	res = peer ? getpeername(fd, (struct sockaddr *) &addr, &len)
		   : getsockname(fd, (struct sockaddr *) &addr, &len);
	if (res < 0) {
		netty_unix_errors_throwIOExceptionErrorNo(env, peer ? "getpeername() failed: "
								    : "getsockname() failed: ", errno);
		return NULL;
	}
	if (addr.sun_family != AF_UNIX || len <= offsetof(struct sockaddr_un, sun_path))
		return NULL;
	if (len > sizeof(addr))
		len = sizeof(addr);
	name_len = len - offsetof(struct sockaddr_un, sun_path);
	if (addr.sun_path[0] != '\0')
		name_len = strnlen(addr.sun_path, name_len);
	bytes = (*env)->NewByteArray(env, (jsize) name_len);
	if (bytes == NULL)
		return NULL;
	(*env)->SetByteArrayRegion(env, bytes, 0, (jsize) name_len, (const jbyte *) addr.sun_path);
	return bytes;
}

/* SO_PEERCRED of fd as an io.netty.channel.unix.PeerCredentials(pid, uid, gid). */
static jobject native_peer_credentials(JNIEnv *env, jclass clazz, jint fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	jclass creds_class;
	jmethodID ctor;
	jintArray gids;
	jint gid;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		netty_unix_errors_throwIOExceptionErrorNo(env, "getsockopt(SO_PEERCRED) failed: ", errno);
		return NULL;
	}
	creds_class = (*env)->FindClass(env, "io/netty/channel/unix/PeerCredentials");
	if (creds_class == NULL)
		return NULL;
	ctor = (*env)->GetMethodID(env, creds_class, "<init>", "(II[I)V");
	if (ctor == NULL)
		return NULL;
	gids = (*env)->NewIntArray(env, 1);
	if (gids == NULL)
		return NULL;
	gid = (jint) cred.gid;
	(*env)->SetIntArrayRegion(env, gids, 0, 1, &gid);
	return (*env)->NewObject(env, creds_class, ctor, (jint) cred.pid, (jint) cred.uid, gids);
}

static const JNINativeMethod unix_methods[] = {
	{ "domainSocketName", "(IZ)[B", (void *) native_domain_socket_name },
	{ "peerCredentials0", "(I)Lio/netty/channel/unix/PeerCredentials;", (void *) native_peer_credentials },
};

int getbuf_unix_load(JNIEnv *env, const char *package_prefix)
{
	int n = sizeof(unix_methods) / sizeof(unix_methods[0]);

	return netty_jni_util_register_natives(env, package_prefix, UNIX_SOCKETS_CLASS, unix_methods, n) != 0
		       ? -1 : 0;
}

void getbuf_unix_unload(JNIEnv *env, const char *package_prefix)
{
	netty_jni_util_unregister_natives(env, package_prefix, UNIX_SOCKETS_CLASS);
}
