/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A root to serve, made fresh in a temporary directory, with a file or link for every rule of the server: bodies of
 * 0 B, 1 B and 1 MiB + 1 (random, fixed seed), typed files, directories with and without index.html, hidden files
 * and directories, symlinks inside the root and out of it, and a FIFO. {@code outside/} holds what must never be
 * served.
 */
final class TestSite {
    static final int BIG_SIZE = 1024 * 1024 + 1;
    static final String INDEX_HTML = "<!DOCTYPE html><title>test site</title>\n";
    static final String SUB_INDEX_HTML = "<!DOCTYPE html><title>sub</title>\n";
    static final String HELLO = "hello, range requests\n";
    static final String SECRET = "outside the root\n";
    static final String HIDDEN = "hidden\n";
    static final String ODD_NAME = "a b&<c>.txt";
    private static final long SEED = 42;
    private static final int FIFO_TIMEOUT_SECONDS = 10;

    final Path root;
    final Path outside;
    final byte[] big;

    private TestSite(Path root, Path outside, byte[] big) {
        this.root = root;
        this.outside = outside;
        this.big = big;
    }

    static TestSite create(Path dir) throws IOException, InterruptedException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET);

        Files.writeString(root.resolve("index.html"), INDEX_HTML);
        Files.writeString(root.resolve("hello.txt"), HELLO);
        Files.writeString(root.resolve("style.css"), "body{}\n");
        Files.writeString(root.resolve("app.js"), "1;\n");
        Files.writeString(root.resolve("data.json"), "{}\n");
        Files.write(root.resolve("pixel.PNG"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        Files.writeString(root.resolve("Makefile"), "all:\n");
        Files.write(root.resolve("empty.bin"), new byte[0]);
        Files.write(root.resolve("one.bin"), new byte[] {'x'});
        byte[] big = new byte[BIG_SIZE];
        new Random(SEED).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);

        Path sub = Files.createDirectories(root.resolve("sub"));
        Files.writeString(sub.resolve("index.html"), SUB_INDEX_HTML);
        Files.writeString(sub.resolve(".secret"), HIDDEN);
        Path plain = Files.createDirectories(root.resolve("plain"));
        Files.writeString(plain.resolve("file.txt"), "in a directory without index.html\n");
        Files.writeString(plain.resolve(ODD_NAME), "odd\n");
        Files.writeString(plain.resolve(".hidden-in-listing"), HIDDEN);
        Files.createDirectories(plain.resolve("nested"));

        Files.writeString(root.resolve(".env"), HIDDEN);
        Path git = Files.createDirectories(root.resolve(".git"));
        Files.writeString(git.resolve("config"), HIDDEN);

        Files.createSymbolicLink(root.resolve("link-inside.txt"), root.resolve("hello.txt"));
        Files.createSymbolicLink(root.resolve("relative-link.txt"), Path.of("hello.txt"));
        Files.createSymbolicLink(root.resolve("link-out.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("dir-out"), outside);
        Files.createSymbolicLink(root.resolve("link-to-hidden"), git.resolve("config"));
        mkfifo(root.resolve("fifo"));
        return new TestSite(root, outside, big);
    }

    static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertTrue(p.waitFor(FIFO_TIMEOUT_SECONDS, TimeUnit.SECONDS), "mkfifo did not finish");
        assertEquals(0, p.exitValue(), "mkfifo failed");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
