/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBuf;
import io.getbuf.transport.GetBufFileStrategy;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server on getbuf, one per {@link GetBufFileStrategy}, driven by Netty's HTTP client codec: bodies of every size
 * and ranges of them (offsets are where strategies differ), pipelined requests, 1,000 requests on one connection,
 * and that each strategy's bytes are counted under its name in the summary.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NettyClientTest {
    private static final int KEEP_ALIVE_REQUESTS = 1000;

    @TempDir
    static Path dir;
    static TestSite site;
    static final Map<GetBufFileStrategy, TestServer.Handle> SERVERS = new EnumMap<>(GetBufFileStrategy.class);

    @BeforeAll
    static void start() throws Exception {
        site = TestSite.create(dir);
        for (GetBufFileStrategy strategy : GetBufFileStrategy.values()) {
            SERVERS.put(strategy, TestServer.start(site.root, "--transport", "getbuf", "--strategy", strategy.name()));
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (TestServer.Handle server : SERVERS.values()) {
            server.server.stop();
        }
    }

    private static HttpTestClient connect(GetBufFileStrategy strategy) throws Exception {
        return HttpTestClient.connect(SERVERS.get(strategy).server.address());
    }

    @ParameterizedTest
    @EnumSource(GetBufFileStrategy.class)
    void bodiesOf0And1ByteAnd1MiBPlus1(GetBufFileStrategy strategy) throws Exception {
        try (HttpTestClient client = connect(strategy)) {
            for (String name : List.of("empty.bin", "one.bin", "big.bin")) {
                byte[] expected = Files.readAllBytes(site.root.resolve(name));
                HttpTestClient.Response r = client.exchange(client.get("/" + name));
                assertEquals(200, r.status, name);
                assertEquals(TestSite.sha256(expected), TestSite.sha256(r.body), name);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GetBufFileStrategy.class)
    void rangesAreSentFromTheirOffset(GetBufFileStrategy strategy) throws Exception {
        long[][] ranges = {{0, 0}, {1, TestSite.BIG_SIZE - 1}, {TestSite.BIG_SIZE - 1, TestSite.BIG_SIZE - 1},
                {4095, 4096 * 3}, {65537, 1024 * 1024}};
        try (HttpTestClient client = connect(strategy)) {
            for (long[] range : ranges) {
                FullHttpRequest get = client.get("/big.bin");
                get.headers().set(HttpHeaderNames.RANGE, "bytes=" + range[0] + '-' + range[1]);
                HttpTestClient.Response r = client.exchange(get);
                assertEquals(206, r.status, Arrays.toString(range));
                assertArrayEquals(Arrays.copyOfRange(site.big, (int) range[0], (int) range[1] + 1), r.body);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GetBufFileStrategy.class)
    void pipelinedRequestsAreAnsweredInOrder(GetBufFileStrategy strategy) throws Exception {
        try (HttpTestClient client = connect(strategy)) {
            FullHttpRequest range = client.get("/hello.txt");
            range.headers().set(HttpHeaderNames.RANGE, "bytes=0-4");
            client.send(client.get("/big.bin"), client.get("/one.bin"), client.request(HttpMethod.HEAD, "/big.bin"),
                    client.get("/empty.bin"), range, client.get("/missing"), client.get("/hello.txt"));
            assertArrayEquals(site.big, client.read().body);
            assertArrayEquals(new byte[] {'x'}, client.read().body);
            HttpTestClient.Response head = client.read();
            assertEquals(Integer.toString(TestSite.BIG_SIZE), head.header(HttpHeaderNames.CONTENT_LENGTH));
            assertEquals(0, head.body.length);
            assertEquals(0, client.read().body.length);
            HttpTestClient.Response partial = client.read();
            assertEquals(206, partial.status);
            assertEquals("hello", partial.text());
            assertEquals(404, client.read().status);
            assertEquals(TestSite.HELLO, client.read().text());
        }
    }

    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void theSummaryCountsTheBytesUnderTheStrategy(GetBufFileStrategy strategy) throws Exception {
        try (HttpTestClient client = connect(strategy)) {
            assertEquals(200, client.exchange(client.get("/big.bin")).status);
        }
        SERVERS.get(strategy).awaitSent(1, TestSite.BIG_SIZE); // the loop counts the last send a moment later
        String summary = SERVERS.get(strategy).server.summary();
        // a kernel without GET_BUF sends what asks for it with SENDFILE
        String used = strategy == GetBufFileStrategy.GET_BUF && !GetBuf.isGetBufSupported() ? "SENDFILE"
                : strategy.name();
        assertTrue(summary.matches(".*\\b" + used + "=\\d+.*"), summary);
        long bytes = Long.parseLong(summary.replaceAll(".*\\b" + used + "=(\\d+).*", "$1"));
        assertTrue(bytes >= TestSite.BIG_SIZE, summary);
    }

    @Test
    void aThousandRequestsOnOneConnection() throws Exception {
        try (HttpTestClient client = connect(GetBufFileStrategy.AUTO)) {
            for (int i = 0; i < KEEP_ALIVE_REQUESTS; i++) {
                String name = i % 2 == 0 ? "/hello.txt" : "/one.bin";
                HttpTestClient.Response r = client.exchange(client.get(name));
                assertEquals(200, r.status, "request " + i);
                assertEquals(i % 2 == 0 ? TestSite.HELLO : "x", r.text(), "request " + i);
            }
        }
    }
}
