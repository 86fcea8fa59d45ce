/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding and checking of request paths, alone: what is refused and what the accepted ones become. */
class RequestTargetTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/|''",
            "/a/b.txt|a,b.txt",
            "//a/./b//|a,b",
            "/a%20b/%C3%A9t%C3%A9.txt|a b,été.txt",
            "/a+b|a+b",
            "/x?y=../..|x",
            "/x#../..|x",
            "http://host:80/a/b?q|a,b",
            "HTTPS://host|''"})
    void acceptedPaths(String uri, String segments) throws Exception {
        List<String> expected = segments.isEmpty() ? List.of() : List.of(segments.split(","));
        assertEquals(expected, RequestTarget.parse(uri).segments);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/a/../b", "/%2e%2e", "/.%2E/", "/a%2fb", "/a%2F..", "/a\\b", "/%5c", "/%00",
            "/a%0a", "/%7f", "/%", "/%4", "/%g0", "/%c3", "/%ff", "*", "a/b", "", "/%٣٣"})
    void refusedPaths(String uri) {
        assertThrows(RequestTarget.InvalidTargetException.class, () -> RequestTarget.parse(uri), uri);
    }

    @Test
    void aRedirectsQueryIsAValidHeaderValue() throws Exception {
        // found by RequestFuzzTest: a control character in the query made the Location header invalid
        assertEquals("?a%00b%1F%7Fc%20d%22%C3%A9=1&x=%41", RequestTarget.parse("//a?a\u0000b\u001f\u007fc d\"\u00e9=1&x=%41")
                .queryForLocation());
        assertEquals("?plain=1&b=/c?d", RequestTarget.parse("//a?plain=1&b=/c?d").queryForLocation());
        assertEquals("", RequestTarget.parse("//a").queryForLocation());
    }

    @Test
    void theRawPathAndQueryAreKeptForRedirects() throws Exception {
        RequestTarget t = RequestTarget.parse("/a%20dir?x=1");
        assertEquals("/a%20dir", t.rawPath);
        assertEquals("?x=1", t.query);
        assertTrue(RequestTarget.parse("/dir/").trailingSlash);
    }
}
