/* SPDX-License-Identifier: Apache-2.0 */
#ifndef GETBUF_UNIX_H
#define GETBUF_UNIX_H

#include <jni.h>

/* Registers the natives of io.getbuf.transport.internal.UnixSockets; 0 or -1. */
int getbuf_unix_load(JNIEnv *env, const char *package_prefix);
void getbuf_unix_unload(JNIEnv *env, const char *package_prefix);

#endif
