/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * This JVM's open file descriptors ({@code /proc/self/fd}: number to target), less those the JVM opens lazily and
 * keeps for its lifetime (class path jars, files under java.home, /dev/random and /dev/urandom).
 */
final class Fds {
    private static final String OWN_DIR = "/proc/" + ProcessHandle.current().pid() + "/fd";
    private static final String JAVA_HOME = System.getProperty("java.home");
    private static final long SETTLE_MILLIS = 10_000;

    private Fds() {
    }

    static Map<Integer, String> snapshot() {
        Map<Integer, String> fds = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (NoSuchFileException closedMeanwhile) {
                    continue;
                }
                if (!target.equals(OWN_DIR) && !jvmOwned(target)) {
                    fds.put(Integer.parseInt(fd.getFileName().toString()), target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    private static boolean jvmOwned(String target) {
        String t = target.endsWith(" (deleted)") ? target.substring(0, target.length() - 10) : target;
        return t.endsWith(".jar") || t.endsWith(".zip") || t.equals("/dev/random") || t.equals("/dev/urandom")
                || (JAVA_HOME != null && t.startsWith(JAVA_HOME)) || isAttachListener(t);
    }

    /**
     * The JVM's attach listener ({@code .java_pid<pid>}, a UNIX socket it keeps once an agent attached: Jazzer's,
     * when a fuzz test runs).
     */
    private static boolean isAttachListener(String target) {
        if (!target.startsWith("socket:[")) {
            return false;
        }
        String inode = target.substring("socket:[".length(), target.length() - 1);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 8 && f[6].equals(inode) && f[7].contains(".java_pid")) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * The descriptors open now that were not (with the same target) in {@code before}, after waiting up to 10 s for
     * closes still in flight (channel closes, graceful shutdowns).
     */
    static Map<Integer, String> leakedSince(Map<Integer, String> before) throws InterruptedException {
        return leakedSince(before, target -> true);
    }

    /** As {@link #leakedSince(Map)}, counting only descriptors whose target {@code counted} accepts. */
    static Map<Integer, String> leakedSince(Map<Integer, String> before, java.util.function.Predicate<String> counted)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
        for (;;) {
            Map<Integer, String> now = snapshot();
            now.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())) || !counted.test(e.getValue()));
            if (now.isEmpty() || System.nanoTime() - deadline > 0) {
                return now;
            }
            Thread.sleep(20);
        }
    }
}
