/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides the reply to a GET or HEAD: which file, and whether it is sent whole, in part, not at all (304), or
 * refused. Knows nothing of channels; {@link HttpFileHandler} writes what this returns.
 */
final class FileService {
    static final String ALLOWED_METHODS = "GET, HEAD";
    static final String INDEX_FILE = "index.html";
    private static final String HTML = "text/html; charset=utf-8";

    private final OpenFileCache root;
    private final boolean listDirectories;

    FileService(OpenFileCache root, boolean listDirectories) {
        this.root = root;
        this.listDirectories = listDirectories;
    }

    Reply reply(HttpRequest request) {
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            Reply reply = Reply.status(HttpResponseStatus.METHOD_NOT_ALLOWED, method + " is not served here");
            reply.headers.set(HttpHeaderNames.ALLOW, ALLOWED_METHODS);
            return reply;
        }
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                && !request.headers().contains(HttpHeaderNames.HOST)) {
            return Reply.status(HttpResponseStatus.BAD_REQUEST, "HTTP/1.1 requires a Host header");
        }
        RequestTarget target;
        try {
            target = RequestTarget.parse(request.uri());
        } catch (RequestTarget.InvalidTargetException e) {
            return Reply.status(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        }
        SiteRoot.Resolution found = root.resolve(target.segments);
        if (!found.found()) {
            return Reply.status(found.failure, null);
        }
        if (found.attributes.isDirectory()) {
            return directory(request, target, found.path);
        }
        if (!found.attributes.isRegularFile()) { // a FIFO, device or socket: opening it could block the loop
            return Reply.status(HttpResponseStatus.FORBIDDEN, null);
        }
        return file(request, found);
    }

    private Reply directory(HttpRequest request, RequestTarget target, Path directory) {
        if (!target.trailingSlash) {
            // relative links in the page resolve against the URL, which must name the directory
            Reply reply = Reply.status(HttpResponseStatus.MOVED_PERMANENTLY, null);
            reply.headers.set(HttpHeaderNames.LOCATION, target.rawPath + '/' + target.query);
            return reply;
        }
        List<String> indexSegments = new ArrayList<>(target.segments);
        indexSegments.add(INDEX_FILE);
        SiteRoot.Resolution index = root.resolve(indexSegments);
        if (index.found()) {
            return index.attributes.isRegularFile() ? file(request, index)
                    : Reply.status(HttpResponseStatus.FORBIDDEN, null);
        }
        if (!index.failure.equals(HttpResponseStatus.NOT_FOUND)) {
            return Reply.status(index.failure, null);
        }
        if (!listDirectories) {
            return Reply.status(HttpResponseStatus.FORBIDDEN, "no index.html, and directory listings are off");
        }
        try {
            return Reply.generated(HttpResponseStatus.OK, HTML,
                    DirectoryListing.render(directory, "/" + String.join("/", target.segments)
                            + (target.segments.isEmpty() ? "" : "/")));
        } catch (AccessDeniedException e) {
            return Reply.status(HttpResponseStatus.FORBIDDEN, null);
        } catch (IOException e) {
            return Reply.status(HttpResponseStatus.INTERNAL_SERVER_ERROR, null);
        }
    }

    private Reply file(HttpRequest request, SiteRoot.Resolution found) {
        Validators validators = new Validators(found.attributes);
        long size = found.attributes.size();
        Reply reply = reply(request, found.path, validators, size);
        reply.headers.set(HttpHeaderNames.ETAG, validators.etag);
        reply.headers.set(HttpHeaderNames.LAST_MODIFIED, validators.lastModified);
        if (!reply.status.equals(HttpResponseStatus.NOT_MODIFIED)) {
            reply.headers.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
            if (!reply.headers.contains(HttpHeaderNames.CONTENT_TYPE)) {
                reply.headers.set(HttpHeaderNames.CONTENT_TYPE,
                        ContentTypes.forFileName(found.path.getFileName().toString()));
            }
        }
        return reply;
    }

    private Reply reply(HttpRequest request, Path path, Validators validators, long size) {
        HttpHeaders headers = request.headers();
        if (validators.notModified(headers)) {
            return Reply.headersOnly(HttpResponseStatus.NOT_MODIFIED, 0, false);
        }
        ByteRange range = validators.rangeAllowed(headers)
                ? ByteRange.parse(headers.get(HttpHeaderNames.RANGE), size) : null;
        if (range != null && !range.isSatisfiable()) {
            Reply reply = Reply.status(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, null);
            reply.headers.set(HttpHeaderNames.CONTENT_RANGE, ByteRange.unsatisfiedContentRange(size));
            return reply;
        }
        HttpResponseStatus status = range == null ? HttpResponseStatus.OK : HttpResponseStatus.PARTIAL_CONTENT;
        long offset = range == null ? 0 : range.first;
        long length = range == null ? size : range.length();
        Reply reply = open(request, path, status, offset, length);
        if (range != null && reply.status.equals(HttpResponseStatus.PARTIAL_CONTENT)) {
            reply.headers.set(HttpHeaderNames.CONTENT_RANGE, range.contentRange(size));
        }
        return reply;
    }

    /**
     * Opens the file, for HEAD too (so that HEAD and GET agree on a file that cannot be read). The path is real and
     * was a regular file a moment ago; NOFOLLOW_LINKS keeps a symlink swapped in since from being followed.
     */
    private Reply open(HttpRequest request, Path path, HttpResponseStatus status, long offset, long length) {
        OpenFile file;
        try {
            file = root.open(path);
        } catch (AccessDeniedException e) {
            return Reply.status(HttpResponseStatus.FORBIDDEN, null);
        } catch (IOException e) {
            return Reply.status(HttpResponseStatus.NOT_FOUND, null);
        }
        if (request.method().equals(HttpMethod.HEAD) || length == 0) {
            file.release();
            return Reply.headersOnly(status, length, true);
        }
        return Reply.file(status, file, offset, length);
    }
}
