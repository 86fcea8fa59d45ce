/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests written byte by byte as a client could, well-formed or not, on getbuf: what the codec refuses (400, 414,
 * 431, answered and closed without reading the rest), targets no client library would send, and the rules for
 * keeping the connection open (HTTP/1.0, Connection: close, a request with a body).
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RawRequestTest {
    private static final String NEXT_REQUEST = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";

    @TempDir
    static Path dir;
    static TestServer.Handle server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(TestSite.create(dir).root, "--transport", "getbuf");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.server.stop();
        }
    }

    private static HttpTestClient raw() throws Exception {
        return HttpTestClient.raw(server.server.address());
    }

    /** Sends {@code request} followed by a valid one; expects one answer with {@code status}, then the close. */
    private static HttpTestClient.Response refusedAndClosed(String request, int status) throws Exception {
        try (HttpTestClient client = raw()) {
            client.sendRaw(request + NEXT_REQUEST);
            HttpTestClient.Response r = client.read();
            assertEquals(status, r.status, r::toString);
            assertEquals("close", r.header("Connection"));
            assertTrue(client.awaitClose(), "the server kept the connection open");
            return r;
        }
    }

    @Test
    void aGarbledRequestLineIs400() throws Exception {
        refusedAndClosed("GARBAGE\r\n\r\n", 400);
    }

    @Test
    void aRequestLineOver8KiBIs414() throws Exception {
        String longPath = "/" + "a".repeat(FileServerInitializer.MAX_REQUEST_LINE);
        refusedAndClosed("GET " + longPath + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
    }

    @Test
    void headersOver8KiBAre431() throws Exception {
        String big = "X-Filler: " + "b".repeat(FileServerInitializer.MAX_HEADER_BYTES) + "\r\n";
        refusedAndClosed("GET /hello.txt HTTP/1.1\r\nHost: x\r\n" + big + "\r\n", 431);
    }

    @Test
    void http11WithoutHostIs400() throws Exception {
        try (HttpTestClient client = raw()) {
            client.sendRaw("GET /hello.txt HTTP/1.1\r\n\r\n");
            assertEquals(400, client.read().status);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/..%2foutside%2fsecret.txt",
            "/%2F..%2Foutside", "/hello.txt%00", "/a\\..\\..\\outside", "/%5c..%5coutside", "/%zz", "/%e", "/%c3%28",
            "/%0d%0aX:y", "*", "hello.txt"})
    void targetsThatLeaveTheRootOrAreMalformedAre400(String target) throws Exception {
        try (HttpTestClient client = raw()) {
            client.sendRaw("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
            HttpTestClient.Response r = client.read();
            assertEquals(400, r.status, () -> target + ": " + r);
            assertFalse(r.text().contains(TestSite.SECRET));
        }
    }

    @Test
    void aRedirectRepeatsTheQueryEncoded() throws Exception {
        // found by RequestFuzzTest: a raw control character in the query of a path that redirects made the
        // Location header invalid, and the connection closed without a response
        try (HttpTestClient client = raw()) {
            client.sendRaw("GET //hello.txt?a\u0000b\u007f HTTP/1.1\r\nHost: x\r\n\r\n");
            HttpTestClient.Response r = client.read();
            assertEquals(301, r.status, r::toString);
            assertEquals("/hello.txt?a%00b%7F", r.header(io.netty.handler.codec.http.HttpHeaderNames.LOCATION));
        }
    }

    @Test
    void theAbsoluteFormIsAccepted() throws Exception {
        try (HttpTestClient client = raw()) {
            client.sendRaw("GET http://127.0.0.1/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(TestSite.HELLO, client.read().text());
        }
    }

    @Test
    void http10IsClosedAfterTheResponseUnlessItAsksForKeepAlive() throws Exception {
        try (HttpTestClient client = raw()) {
            client.sendRaw("GET /hello.txt HTTP/1.0\r\n\r\n");
            assertEquals(TestSite.HELLO, client.read().text());
            assertTrue(client.awaitClose());
        }
        try (HttpTestClient client = raw()) {
            client.sendRaw("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            HttpTestClient.Response r = client.read();
            assertEquals("keep-alive", r.header("Connection"));
            client.sendRaw("GET /one.bin HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertEquals("x", client.read().text());
        }
    }

    @Test
    void connectionCloseIsHonouredAndLaterPipelinedRequestsIgnored() throws Exception {
        try (HttpTestClient client = raw()) {
            client.sendRaw("GET /one.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + NEXT_REQUEST);
            HttpTestClient.Response r = client.read();
            assertEquals("x", r.text());
            assertEquals("close", r.header("Connection"));
            assertTrue(client.awaitClose());
        }
    }

    @Test
    void aRequestWithABodyIsAnsweredThenClosed() throws Exception {
        refusedAndClosed("POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 405);
        refusedAndClosed("GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                200);
    }

    @Test
    void headOfAnErrorKeepsItsLengthButSendsNoBody() throws Exception {
        try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
            HttpTestClient.Response r = client.exchange(client.request(io.netty.handler.codec.http.HttpMethod.HEAD,
                    "/missing"));
            assertEquals(404, r.status);
            assertEquals(0, r.body.length);
            assertTrue(Integer.parseInt(r.header("Content-Length")) > 0);
            assertEquals(TestSite.HELLO, client.exchange(client.get("/hello.txt")).text()); // still in step
        }
    }
}
