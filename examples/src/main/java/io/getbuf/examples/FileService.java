/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufOpenException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Decides the reply to a request: which file, and whether it is sent whole, in parts, not at all (304, 412), or
 * refused. Every path is opened beneath the root ({@link FileCache}, {@link SiteRoot}) and judged by what was opened:
 * a directory, a regular file, or something else (a FIFO, device or socket: 403). Knows nothing of channels;
 * {@link HttpFileHandler} writes what this returns.
 */
final class FileService {
    static final String ALLOWED_METHODS = "GET, HEAD";
    static final String INDEX_FILE = "index.html";
    static final String CONTINUE = "100-continue";
    private static final String HTML = "text/html; charset=utf-8";
    /** Precompressed siblings, in the order they are preferred: the suffix and its Content-Encoding. */
    private static final String[][] PRECOMPRESSED = {{".br", "br"}, {".gz", "gzip"}};
    private static final String RETRY_AFTER_SECONDS = "1";

    private final FileCache files;
    private final boolean listDirectories;
    private final int maxRanges;
    private final boolean precompressed;
    private final String cacheControl; // null: none
    private final ContentTypes types;
    private final String statsPath; // null: none
    private final Supplier<String> statsText;

    FileService(FileCache files, ServerOptions options, ContentTypes types) {
        this(files, options, types, () -> "");
    }

    /** {@code statsText}: what {@code --stats-path} answers. */
    FileService(FileCache files, ServerOptions options, ContentTypes types,
                Supplier<String> statsText) {
        this.statsPath = options.statsPath;
        this.statsText = statsText;
        this.files = files;
        this.types = types;
        this.listDirectories = options.list;
        this.maxRanges = options.maxRanges;
        this.precompressed = options.precompressed;
        this.cacheControl = options.cacheControl;
    }

    Reply reply(HttpRequest request) {
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            Reply reply = Reply.status(HttpResponseStatus.METHOD_NOT_ALLOWED, method + " is not served here");
            reply.headers.set(HttpHeaderNames.ALLOW, ALLOWED_METHODS);
            return reply;
        }
        HttpHeaders headers = request.headers();
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return Reply.status(HttpResponseStatus.BAD_REQUEST, "more than one Host header");
        }
        if (hosts.isEmpty() && !request.protocolVersion().equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_0)) {
            return Reply.status(HttpResponseStatus.BAD_REQUEST, "HTTP/1.1 requires a Host header");
        }
        String expect = headers.get(HttpHeaderNames.EXPECT);
        if (expect != null && !expect.trim().equalsIgnoreCase(CONTINUE)) {
            return Reply.status(HttpResponseStatus.EXPECTATION_FAILED, "only 100-continue is understood");
        }
        if (statsPath != null && request.uri().equals(statsPath)) {
            Reply reply = Reply.generated(HttpResponseStatus.OK, "text/plain; charset=utf-8", statsText.get());
            reply.headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
            return reply;
        }
        RequestTarget target;
        try {
            target = RequestTarget.parse(request.uri());
        } catch (RequestTarget.InvalidTargetException e) {
            return Reply.status(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        }
        if (target.segments.stream().anyMatch(SiteRoot::isHidden)) {
            return Reply.status(HttpResponseStatus.NOT_FOUND, null); // as if absent: a .git is nobody's business
        }
        if (!target.canonical) {
            return redirect(target.canonicalPath() + target.queryForLocation()); // //a, /./a: never as such
        }
        String path = String.join("/", target.segments);
        CachedFile found;
        try {
            found = files.open(path);
        } catch (IOException e) {
            return failure(e);
        }
        try {
            if (found.isDirectory()) {
                return directory(request, target, path, found);
            }
            if (!found.isRegularFile()) { // a FIFO, device or socket (opened without blocking)
                return Reply.status(HttpResponseStatus.FORBIDDEN, null);
            }
            if (target.trailingSlash) { // /a.txt/ names a directory that is not there
                return Reply.status(HttpResponseStatus.NOT_FOUND, null);
            }
            return file(request, path, found);
        } finally {
            found.release();
        }
    }

    /** The reply to a path that could not be opened. */
    static Reply failure(IOException e) {
        if (e instanceof GetBufOpenException) {
            switch (((GetBufOpenException) e).kind()) {
                case NOT_FOUND:
                    return Reply.status(HttpResponseStatus.NOT_FOUND, null);
                case ACCESS_DENIED:
                case SYMLINK:
                case OUTSIDE:
                case NOT_OPENABLE:
                    return Reply.status(HttpResponseStatus.FORBIDDEN, null);
                case TOO_MANY_OPEN_FILES:
                    // not the file's fault, and over in a moment: nothing a cache may keep
                    Reply busy = Reply.status(HttpResponseStatus.SERVICE_UNAVAILABLE, "out of file descriptors");
                    busy.headers.set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
                    busy.headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
                    return busy;
                default:
                    break;
            }
        } else if (e instanceof SiteRoot.HiddenNameException) {
            return Reply.status(HttpResponseStatus.NOT_FOUND, null);
        }
        return Reply.status(HttpResponseStatus.INTERNAL_SERVER_ERROR, null);
    }

    private static Reply redirect(String location) {
        Reply reply = Reply.status(HttpResponseStatus.MOVED_PERMANENTLY, null);
        reply.headers.set(HttpHeaderNames.LOCATION, location);
        return reply;
    }

    private Reply directory(HttpRequest request, RequestTarget target, String path, CachedFile directory) {
        if (!target.trailingSlash) {
            // relative links in the page resolve against the URL, which must name the directory
            return redirect(target.canonicalPath() + '/' + target.queryForLocation());
        }
        CachedFile index;
        try {
            index = files.open(path.isEmpty() ? INDEX_FILE : path + '/' + INDEX_FILE);
        } catch (GetBufOpenException e) {
            if (e.kind() != GetBufOpenException.Kind.NOT_FOUND) {
                return failure(e);
            }
            return listing(target, directory);
        } catch (IOException e) {
            return failure(e);
        }
        try {
            return index.isRegularFile() ? file(request, path.isEmpty() ? INDEX_FILE : path + '/' + INDEX_FILE, index)
                    : Reply.status(HttpResponseStatus.FORBIDDEN, null);
        } finally {
            index.release();
        }
    }

    private Reply listing(RequestTarget target, CachedFile directory) {
        if (!listDirectories) {
            return Reply.status(HttpResponseStatus.FORBIDDEN, "no index.html, and directory listings are off");
        }
        List<String> names;
        try {
            names = new ArrayList<>(directory.file.list());
        } catch (GetBufOpenException e) {
            return failure(e);
        } catch (IOException e) {
            return Reply.status(HttpResponseStatus.INTERNAL_SERVER_ERROR, null);
        }
        names.removeIf(SiteRoot::isHidden);
        names.sort(null);
        return Reply.generated(HttpResponseStatus.OK, HTML, DirectoryListing.render(names,
                "/" + String.join("/", target.segments) + (target.segments.isEmpty() ? "" : "/")));
    }

    /** A regular file ({@code found}, which the caller still holds), or its precompressed sibling. */
    private Reply file(HttpRequest request, String path, CachedFile found) {
        HttpHeaders requestHeaders = request.headers();
        CachedFile body = null;
        String encoding = null;
        if (precompressed) {
            String accepted = requestHeaders.get(HttpHeaderNames.ACCEPT_ENCODING);
            for (String[] sibling : PRECOMPRESSED) {
                if (accepted == null || !accepts(accepted, sibling[1])) {
                    continue;
                }
                try {
                    CachedFile s = files.open(path + sibling[0]);
                    if (s.isRegularFile()) {
                        body = s;
                        encoding = sibling[1];
                        break;
                    }
                    s.release();
                } catch (IOException e) {
                    // none: the next, or the file itself
                }
            }
        }
        if (body == null) {
            found.tryRetain(); // the caller holds a reference: this cannot fail
            body = found;
        }
        Reply reply;
        try {
            reply = decide(requestHeaders, body, types.forFileName(path.substring(path.lastIndexOf('/') + 1)));
        } finally {
            body.release(); // the reply took its own reference if it sends the file
        }
        HttpHeaders headers = reply.headers;
        int status = reply.status.code();
        boolean representation = status == 200 || status == 206 || status == 304;
        if (representation || status == 412) {
            headers.set(HttpHeaderNames.ETAG, body.validators.etag);
            headers.set(HttpHeaderNames.LAST_MODIFIED, body.validators.lastModified);
        }
        if (precompressed) {
            headers.set(HttpHeaderNames.VARY, "Accept-Encoding");
        }
        if (encoding != null && status != 304) {
            headers.set(HttpHeaderNames.CONTENT_ENCODING, encoding);
        }
        if (cacheControl != null && representation) {
            headers.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
        }
        return reply;
    }

    private Reply decide(HttpHeaders headers, CachedFile file, String contentType) {
        long size = file.size();
        switch (file.validators.evaluate(headers)) {
            case NOT_MODIFIED:
                return Reply.headersOnly(HttpResponseStatus.NOT_MODIFIED);
            case PRECONDITION_FAILED:
                return Reply.status(HttpResponseStatus.PRECONDITION_FAILED, null);
            default:
                break;
        }
        List<ByteRange> ranges = file.validators.rangeAllowed(headers)
                ? ByteRange.parse(headers.get(HttpHeaderNames.RANGE), size, maxRanges) : null;
        Reply reply;
        if (ranges != null && ranges.isEmpty()) {
            reply = Reply.status(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, null);
            reply.headers.set(HttpHeaderNames.CONTENT_RANGE, ByteRange.unsatisfiedContentRange(size));
            return reply;
        }
        file.tryRetain(); // the reply's own reference
        if (ranges == null) {
            reply = Reply.file(HttpResponseStatus.OK, file, 0, size);
        } else if (ranges.size() == 1) {
            ByteRange r = ranges.get(0);
            reply = Reply.file(HttpResponseStatus.PARTIAL_CONTENT, file, r.first, r.length());
            reply.headers.set(HttpHeaderNames.CONTENT_RANGE, r.contentRange(size));
        } else {
            return Reply.multipart(file, ranges, contentType, size);
        }
        reply.headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        reply.headers.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        return reply;
    }

    /** Whether an Accept-Encoding header accepts {@code coding} (named, or by {@code *}, and not with q=0). */
    static boolean accepts(String acceptEncoding, String coding) {
        Boolean star = null;
        for (String element : acceptEncoding.split(",")) {
            String[] parts = element.trim().split(";", -1); // -1: ";" alone is one empty name, not none
            String name = parts[0].trim().toLowerCase(Locale.ROOT);
            boolean zero = false;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    try {
                        zero = Double.parseDouble(p.substring(2).trim()) <= 0;
                    } catch (NumberFormatException e) {
                        zero = true; // a q we cannot read: do not assume it is wanted
                    }
                }
            }
            if (name.equals(coding) || (coding.equals("gzip") && name.equals("x-gzip"))) {
                return !zero;
            }
            if (name.equals("*")) {
                star = !zero;
            }
        }
        return star != null && star;
    }
}
