/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufFileStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
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
