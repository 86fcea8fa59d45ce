/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Content-Type from a file name's extension: a built-in table of what a static site holds (text types say UTF-8),
 * then the system's {@code /etc/mime.types} (or {@code --mime-types FILE}, same format: a type, then its
 * extensions) for everything else; unknown extensions are {@code application/octet-stream}, which browsers download
 * rather than guess at.
 */
final class ContentTypes {
    static final String DEFAULT = "application/octet-stream";
    private static final String UTF8 = "; charset=utf-8";
    private static final Map<String, String> BUILT_IN = new HashMap<>();

    static {
        for (String[] t : new String[][] {
                {"text/html", "html", "htm", "shtml"}, {"text/css", "css"}, {"text/javascript", "js", "mjs"},
                {"text/plain", "txt", "text", "log", "conf", "ini"}, {"text/markdown", "md", "markdown"},
                {"text/csv", "csv"}, {"text/tab-separated-values", "tsv"}, {"text/calendar", "ics"},
                {"text/vtt", "vtt"}, {"text/xml", "xsl"}, {"application/xml", "xml"},
                {"application/json", "json", "map"}, {"application/ld+json", "jsonld"},
                {"application/manifest+json", "webmanifest"}, {"image/svg+xml", "svg"},
                {"application/atom+xml", "atom"}, {"application/rss+xml", "rss"}, {"text/x-yaml", "yaml", "yml"}}) {
            for (int i = 1; i < t.length; i++) {
                BUILT_IN.put(t[i], t[0] + UTF8);
            }
        }
        for (String[] t : new String[][] {
                {"image/png", "png"}, {"image/jpeg", "jpg", "jpeg", "jfif"}, {"image/gif", "gif"},
                {"image/webp", "webp"}, {"image/avif", "avif"}, {"image/x-icon", "ico"}, {"image/bmp", "bmp"},
                {"image/tiff", "tif", "tiff"}, {"image/apng", "apng"}, {"image/heic", "heic"},
                {"font/woff", "woff"}, {"font/woff2", "woff2"}, {"font/ttf", "ttf"}, {"font/otf", "otf"},
                {"application/vnd.ms-fontobject", "eot"}, {"application/wasm", "wasm"},
                {"application/pdf", "pdf"}, {"application/zip", "zip"}, {"application/gzip", "gz", "tgz"},
                {"application/x-bzip2", "bz2"}, {"application/x-xz", "xz"}, {"application/zstd", "zst"},
                {"application/x-7z-compressed", "7z"}, {"application/x-tar", "tar"},
                {"application/vnd.rar", "rar"}, {"application/java-archive", "jar"},
                {"application/epub+zip", "epub"}, {"application/octet-stream", "bin", "exe", "iso", "img", "dmg"},
                {"application/vnd.debian.binary-package", "deb"}, {"application/x-rpm", "rpm"},
                {"application/msword", "doc"},
                {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
                {"application/vnd.ms-excel", "xls"},
                {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
                {"application/vnd.ms-powerpoint", "ppt"},
                {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"},
                {"application/vnd.oasis.opendocument.text", "odt"}, {"application/rtf", "rtf"},
                {"audio/mpeg", "mp3"}, {"audio/ogg", "ogg", "oga", "opus"}, {"audio/wav", "wav"},
                {"audio/flac", "flac"}, {"audio/aac", "aac"}, {"audio/mp4", "m4a"}, {"audio/webm", "weba"},
                {"audio/midi", "mid", "midi"}, {"video/mp4", "mp4", "m4v"}, {"video/webm", "webm"},
                {"video/ogg", "ogv"}, {"video/quicktime", "mov"}, {"video/x-matroska", "mkv"},
                {"video/x-msvideo", "avi"}, {"video/mpeg", "mpeg", "mpg"}, {"video/mp2t", "ts"},
                {"application/vnd.apple.mpegurl", "m3u8"}, {"application/dash+xml", "mpd"}}) {
            for (int i = 1; i < t.length; i++) {
                BUILT_IN.put(t[i], t[0]);
            }
        }
    }

    private final Map<String, String> byExtension;

    private ContentTypes(Map<String, String> byExtension) {
        this.byExtension = byExtension;
    }

    /** The built-in table alone. */
    static ContentTypes builtIn() {
        return new ContentTypes(BUILT_IN);
    }

    /**
     * The built-in table plus the extensions of {@code mimeTypes} (a mime.types file) it lacks. A missing file adds
     * nothing when {@code required} is false, and fails otherwise.
     */
    static ContentTypes load(Path mimeTypes, boolean required) throws IOException {
        Map<String, String> table = new HashMap<>();
        if (mimeTypes != null && (required || Files.isReadable(mimeTypes))) {
            List<String> lines = Files.readAllLines(mimeTypes, StandardCharsets.ISO_8859_1);
            for (String line : lines) {
                int hash = line.indexOf('#');
                String[] fields = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
                if (fields.length < 2 || fields[0].indexOf('/') <= 0 || !printable(fields[0])) {
                    continue;
                }
                for (int i = 1; i < fields.length; i++) {
                    table.putIfAbsent(fields[i].toLowerCase(Locale.ROOT), fields[0]);
                }
            }
        }
        table.putAll(BUILT_IN);
        return new ContentTypes(table);
    }

    private static boolean printable(String s) {
        return s.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    String forFileName(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0 || dot == name.length() - 1) {
            return DEFAULT;
        }
        return byExtension.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
    }

    /** Extensions known. */
    int size() {
        return byExtension.size();
    }
}
