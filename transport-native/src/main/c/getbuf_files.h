/* SPDX-License-Identifier: Apache-2.0 */
#ifndef GETBUF_FILES_H
#define GETBUF_FILES_H

#include <jni.h>

/* Registers io.getbuf.transport.internal.FileNative's methods (getbuf_files.c); 0 or -1. */
int getbuf_files_load(JNIEnv *env, const char *package_prefix);
void getbuf_files_unload(JNIEnv *env);

#endif
