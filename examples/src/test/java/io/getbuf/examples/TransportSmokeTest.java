/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same server on every transport (Netty's epoll, io_uring and NIO besides getbuf): a whole large file, a range
 * of it, HEAD, a 404 and a pipelined pair, and the summary's byte count; and a deep pipeline.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TransportSmokeTest {
    private static final int PIPELINED_REQUESTS = 100;
    /** What {@link #servesFilesOn} asks for: big.bin, bytes 100-199999 of it, a HEAD, a 404, one.bin, hello.txt. */
    private static final int SMOKE_REQUESTS = 6;
    private static final long SMOKE_FILE_BYTES = TestSite.BIG_SIZE + 199900 + 1 + TestSite.HELLO.length();
    private static final int BIG_EVERY = 5;

    @TempDir
    Path dir;

    /**
     * More requests in one write than the server answers before it stops reading: the rest are read as responses
     * complete, so their responses are written from the completion of earlier writes.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void morePipelinedRequestsThanTheServerQueuesAtOnce(Transport transport) throws Exception {
        assertTrue(PIPELINED_REQUESTS > ServerOptions.DEFAULT_MAX_PIPELINED);
        TestSite site = TestSite.create(dir);
        TestServer.Handle server = TestServer.start(site.root, "--transport", transport.cliName());
        try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
            List<HttpRequest> requests = new ArrayList<>();
            for (int i = 0; i < PIPELINED_REQUESTS; i++) {
                requests.add(client.get(i % BIG_EVERY == 0 ? "/big.bin" : "/hello.txt"));
            }
            client.send(requests.toArray(new HttpRequest[0]));
            for (int i = 0; i < PIPELINED_REQUESTS; i++) {
                HttpTestClient.Response r = client.read();
                assertEquals(200, r.status, "response " + i);
                assertArrayEquals(i % BIG_EVERY == 0 ? site.big : TestSite.utf8(TestSite.HELLO), r.body,
                        "response " + i);
            }
        } finally {
            server.server.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void servesFilesOn(Transport transport) throws Exception {
        TestSite site = TestSite.create(dir);
        TestServer.Handle server = TestServer.start(site.root, "--transport", transport.cliName());
        try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
            assertEquals(transport, server.server.transport());
            HttpTestClient.Response big = client.exchange(client.get("/big.bin"));
            assertEquals(TestSite.sha256(site.big), TestSite.sha256(big.body));
            FullHttpRequest range = client.get("/big.bin");
            range.headers().set(HttpHeaderNames.RANGE, "bytes=100-199999");
            assertArrayEquals(Arrays.copyOfRange(site.big, 100, 200000), client.exchange(range).body);
            HttpTestClient.Response head = client.exchange(client.request(HttpMethod.HEAD, "/big.bin"));
            assertEquals(Integer.toString(TestSite.BIG_SIZE), head.header(HttpHeaderNames.CONTENT_LENGTH));
            assertEquals(0, head.body.length);
            assertEquals(404, client.exchange(client.get("/missing")).status);
            client.send(client.get("/one.bin"), client.get("/hello.txt"));
            assertEquals("x", client.read().text());
            assertEquals(TestSite.HELLO, client.read().text());
            server.awaitSent(SMOKE_REQUESTS, SMOKE_FILE_BYTES);
        } finally {
            String summary = server.server.stop();
            assertTrue(summary.startsWith("served " + SMOKE_REQUESTS + " requests"), summary);
            String way = transport == Transport.GETBUF ? "" : ServerStats.FILE_REGION + "=";
            assertTrue(summary.contains(way), summary);
            long counted = Arrays.stream(summary.replaceAll(".*:", "").trim().split(" "))
                    .mapToLong(pair -> Long.parseLong(pair.substring(pair.indexOf('=') + 1))).sum();
            assertEquals(SMOKE_FILE_BYTES, counted, summary);
        }
    }
}
