/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufFileStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: every option, both spellings, defaults, and the messages for what is wrong. */
class ServerOptionsTest {
    @Test
    void everyOption() throws Exception {
        ServerOptions o = ServerOptions.parse("--root", "/srv", "--port=9000", "--host", "0.0.0.0", "--threads", "3",
                "--transport", "getbuf", "--strategy", "splice", "--list", "--access-log");
        assertEquals(Path.of("/srv"), o.root);
        assertEquals(9000, o.port);
        assertEquals("0.0.0.0", o.host);
        assertEquals(3, o.threads);
        assertEquals(Transport.GETBUF, o.transport);
        assertEquals(GetBufFileStrategy.SPLICE, o.strategy);
        assertTrue(o.list && o.accessLog);
    }

    @Test
    void defaults() throws Exception {
        ServerOptions o = ServerOptions.parse();
        assertNull(o.root);
        assertEquals(ServerOptions.DEFAULT_PORT, o.port);
        assertEquals(ServerOptions.DEFAULT_HOST, o.host);
        assertEquals(Transport.defaultTransport(), o.transport);
        assertEquals(o.transport == Transport.GETBUF ? GetBufFileStrategy.AUTO : null, o.strategy);
        assertEquals(null, ServerOptions.parse("--transport", "nio").strategy);
        assertTrue(ServerOptions.parse("--help").help);
    }

    @Test
    void switchesTakeTrueOrFalse() throws Exception {
        assertTrue(ServerOptions.parse("--list").list);
        assertTrue(ServerOptions.parse("--list=true").list);
        assertFalse(ServerOptions.parse("--list=false").list);
        assertFalse(ServerOptions.parse("--access-log=FALSE").accessLog);
        assertFalse(ServerOptions.parse("--list", "--list=false").list, "the last one counts");
        assertTrue(ServerOptions.parse("--follow-symlinks", "--precompressed").followSymlinks);
        assertTrue(ServerOptions.parse("-h").help);
        assertTrue(ServerOptions.USAGE.contains("-h, --help"), ServerOptions.USAGE);
    }

    @Test
    void everyLimitIsAnOption() throws Exception {
        ServerOptions o = ServerOptions.parse("--header-timeout-ms", "1", "--keepalive-timeout-ms=2",
                "--send-timeout-ms", "3", "--max-connections", "4", "--max-pipelined", "5", "--read-buffer", "512",
                "--max-ranges", "6", "--cache-entries", "7", "--cache-control", "no-cache", "--mime-types", "/m");
        assertEquals(List.of(1, 2, 3, 4, 5, 512, 6, 7), List.of(o.headerTimeoutMillis, o.keepAliveTimeoutMillis,
                o.sendTimeoutMillis, o.maxConnections, o.maxPipelined, o.readBuffer, o.maxRanges, o.cacheEntries));
        assertEquals("no-cache", o.cacheControl);
        assertEquals(Path.of("/m"), o.mimeTypes);
    }

    @Test
    void aStrategyWithoutGetbufIsAWarningNotSilentlyDropped() throws Exception {
        Throwable why = new IllegalStateException("io_uring is disabled");
        ServerOptions o = ServerOptions.parse(Transport.NIO, why, "--strategy", "SPLICE");
        assertEquals(Transport.NIO, o.transport);
        assertSame(why, o.transportFallbackCause);
        assertNull(o.strategy);
        assertEquals(1, o.warnings.size());
        assertTrue(o.warnings.get(0).contains("--strategy SPLICE is ignored"), o.warnings.toString());
        assertEquals(List.of(), ServerOptions.parse(Transport.GETBUF, null, "--strategy", "SPLICE").warnings);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--root=|--root needs a value (it is empty)",
            "--host=|--host needs a value (it is empty)",
            "--list=maybe|--list: expected true or false, got 'maybe'",
            "--cache-control=|--cache-control needs a value",
            "--read-buffer 10|--read-buffer: expected a number from 256",
            "--port|--port needs a value",
            "--port x|--port: expected a number from 0 to 65535, got 'x'",
            "--port 70000|--port: expected a number from 0 to 65535, got '70000'",
            "--threads 0|--threads: expected a number from 1",
            "--transport kqueue|--transport: unknown transport 'kqueue'",
            "--strategy fast|--strategy: unknown strategy 'fast'",
            "--transport nio --strategy SPLICE|--strategy applies to --transport getbuf only",
            "--verbose|unknown option '--verbose'"})
    void mistakesAreExplained(String args, String message) {
        ServerOptions.UsageException e = assertThrows(ServerOptions.UsageException.class,
                () -> ServerOptions.parse(args.split(" ")));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
