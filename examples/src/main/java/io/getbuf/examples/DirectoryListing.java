/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The HTML page of a directory's entries (with {@code --list}), read from the directory that was opened beneath the
 * root: sorted by name, directories marked with a trailing {@code /}, hidden names left out as the server would refuse
 * them anyway. Names are HTML-escaped for the text and
 * percent-encoded for the links, so that any file name is safe to show and to follow.
 */
final class DirectoryListing {
    private static final String UNRESERVED = "-._~";
    private static final int BYTE_MASK = 0xff;

    private DirectoryListing() {
    }

    /**
     * The page listing {@code names} (sorted, hidden ones already left out, directories ending in '/'), shown at
     * {@code urlPath} (the decoded request path, ending in '/').
     */
    static String render(List<String> names, String urlPath) {
        String title = "Index of " + escapeHtml(urlPath);
        StringBuilder html = new StringBuilder(256 + names.size() * 64)
                .append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(title)
                .append("</title></head>\n<body><h1>").append(title).append("</h1>\n<ul>\n");
        if (!urlPath.equals("/")) {
            html.append("<li><a href=\"../\">../</a></li>\n");
        }
        for (String name : names) {
            html.append("<li><a href=\"").append(encodePathSegment(name)).append("\">").append(escapeHtml(name))
                    .append("</a></li>\n");
        }
        return html.append("</ul>\n</body></html>\n").toString();
    }

    /** Percent-encodes all but unreserved characters (RFC 3986), and keeps a trailing '/'. */
    static String encodePathSegment(String name) {
        boolean directory = name.endsWith("/");
        String segment = directory ? name.substring(0, name.length() - 1) : name;
        StringBuilder out = new StringBuilder(segment.length());
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & BYTE_MASK);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || UNRESERVED.indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return directory ? out.append('/').toString() : out.toString();
    }

    static String escapeHtml(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<': out.append("&lt;"); break;
                case '>': out.append("&gt;"); break;
                case '&': out.append("&amp;"); break;
                case '"': out.append("&quot;"); break;
                case '\'': out.append("&#39;"); break;
                default: out.append(c);
            }
        }
        return out.toString();
    }
}
