/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Range headers against a file's size (at most 4 ranges after merging): the ranges, "unsatisfiable" (416) or "null"
 * (ignored: 200 with the whole file).
 */
class ByteRangeTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "bytes=0-0|10|[0-0]",
            "bytes=0-9|10|[0-9]",
            "bytes=2-100|10|[2-9]",
            "bytes=5-|10|[5-9]",
            "bytes=-3|10|[7-9]",
            "bytes=-30|10|[0-9]",
            "BYTES=1-2|10|[1-2]",
            "bytes= 1 - 2 |10|[1-2]",
            "bytes=10-|10|unsatisfiable",
            "bytes=10-20|10|unsatisfiable",
            "bytes=99999999999999999999-|10|unsatisfiable",
            "bytes=-0|10|unsatisfiable",
            "bytes=0-0|0|unsatisfiable",
            "bytes=-5|0|unsatisfiable",
            "bytes=0-99999999999999999999|10|[0-9]",
            "bytes=5-2|10|null",
            "bytes=-|10|null",
            "bytes=a-b|10|null",
            "bytes=1-2x|10|null",
            "bytes=|10|null",
            "items=0-1|10|null",
            "none|10|null",
            // several ranges: sorted, merged when they overlap or lie within the merge gap, capped
            "bytes=0-1,500-600|1000|[0-1, 500-600]",
            "bytes=500-600,0-1|1000|[0-1, 500-600]",
            "bytes=0-1,3-4|10|[0-4]",
            "bytes=0-500,100-200,400-700|1000|[0-700]",
            "bytes=0-0,0-0,0-0,0-0,0-0,0-0|1000|[0-0]",
            "bytes=0-1,200-201,400-401,600-601|1000|[0-1, 200-201, 400-401, 600-601]",
            "bytes=0-1,200-201,400-401,600-601,800-801|1000|null",
            "bytes=0-1,2000-3000|1000|[0-1]",
            "bytes=2000-3000,5000-|1000|unsatisfiable",
            "bytes=0-1,x|1000|null",
            "bytes=0-1,,-2|1000|[0-1, 998-999]",
            // found by RequestFuzzTest.byteRanges: merging overflowed near Long.MAX_VALUE
            "bytes=1-1,0-|9223372036854775807|[0-9223372036854775806]"})
    void parse(String header, long size, String expected) {
        List<ByteRange> ranges = ByteRange.parse(header, size, 4);
        assertEquals(expected, ranges == null ? "null" : ranges.isEmpty() ? "unsatisfiable" : ranges.toString());
    }
}
