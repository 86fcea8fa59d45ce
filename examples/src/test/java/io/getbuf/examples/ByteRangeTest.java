/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Range headers against a file's size: the range, "unsatisfiable" (416) or "null" (ignored: 200). */
class ByteRangeTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "bytes=0-0|10|0-0",
            "bytes=0-9|10|0-9",
            "bytes=2-100|10|2-9",
            "bytes=5-|10|5-9",
            "bytes=-3|10|7-9",
            "bytes=-30|10|0-9",
            "BYTES=1-2|10|1-2",
            "bytes=10-|10|unsatisfiable",
            "bytes=10-20|10|unsatisfiable",
            "bytes=99999999999999999999-|10|unsatisfiable",
            "bytes=-0|10|unsatisfiable",
            "bytes=0-0|0|unsatisfiable",
            "bytes=-5|0|unsatisfiable",
            "bytes=0-99999999999999999999|10|0-9",
            "bytes=5-2|10|null",
            "bytes=0-1,3-4|10|null",
            "bytes=-|10|null",
            "bytes=a-b|10|null",
            "bytes=1-2x|10|null",
            "items=0-1|10|null",
            "none|10|null"})
    void parse(String header, long size, String expected) {
        assertEquals(expected, String.valueOf(ByteRange.parse(header, size)));
    }
}
