/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Content-Type from a file name's extension, for what a static site holds; anything else is
 * {@code application/octet-stream}, which browsers download rather than guess at. Text types say UTF-8.
 */
final class ContentTypes {
    static final String DEFAULT = "application/octet-stream";
    private static final String UTF8 = "; charset=utf-8";
    private static final Map<String, String> BY_EXTENSION = new HashMap<>();

    static {
        text("html", "text/html");
        text("htm", "text/html");
        text("css", "text/css");
        text("js", "text/javascript");
        text("mjs", "text/javascript");
        text("txt", "text/plain");
        text("md", "text/markdown");
        text("csv", "text/csv");
        text("xml", "application/xml");
        text("json", "application/json");
        text("svg", "image/svg+xml");
        BY_EXTENSION.put("png", "image/png");
        BY_EXTENSION.put("jpg", "image/jpeg");
        BY_EXTENSION.put("jpeg", "image/jpeg");
        BY_EXTENSION.put("gif", "image/gif");
        BY_EXTENSION.put("webp", "image/webp");
        BY_EXTENSION.put("avif", "image/avif");
        BY_EXTENSION.put("ico", "image/x-icon");
        BY_EXTENSION.put("woff", "font/woff");
        BY_EXTENSION.put("woff2", "font/woff2");
        BY_EXTENSION.put("ttf", "font/ttf");
        BY_EXTENSION.put("otf", "font/otf");
        BY_EXTENSION.put("wasm", "application/wasm");
        BY_EXTENSION.put("pdf", "application/pdf");
        BY_EXTENSION.put("zip", "application/zip");
        BY_EXTENSION.put("gz", "application/gzip");
        BY_EXTENSION.put("tar", "application/x-tar");
        BY_EXTENSION.put("mp3", "audio/mpeg");
        BY_EXTENSION.put("ogg", "audio/ogg");
        BY_EXTENSION.put("wav", "audio/wav");
        BY_EXTENSION.put("mp4", "video/mp4");
        BY_EXTENSION.put("webm", "video/webm");
    }

    private ContentTypes() {
    }

    private static void text(String extension, String type) {
        BY_EXTENSION.put(extension, type + UTF8);
    }

    static String forFileName(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0 || dot == name.length() - 1) {
            return DEFAULT;
        }
        return BY_EXTENSION.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
    }
}
