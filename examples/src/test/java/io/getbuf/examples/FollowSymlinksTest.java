/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code --follow-symlinks}: a relative symlink that stays beneath the root is served; one that climbs out, an
 * absolute one (RESOLVE_BENEATH refuses those even when they point inside), and a directory symlink out are 403; one
 * that reaches a hidden name is as hidden as the name (404).
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FollowSymlinksTest {
    @TempDir
    static Path dir;
    static TestServer.Handle server;

    @BeforeAll
    static void start() throws Exception {
        TestSite site = TestSite.create(dir);
        java.nio.file.Files.createSymbolicLink(site.root.resolve("rel-to-hidden"), Path.of(".git/config"));
        server = TestServer.start(site.root, "--transport", "getbuf", "--follow-symlinks");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.server.stop();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"/relative-link.txt|200", "/link-inside.txt|403", "/link-out.txt|403",
            "/dir-out/secret.txt|403", "/dir-out/|403", "/link-to-hidden|403", "/rel-to-hidden|404"})
    void symlinksAreFollowedOnlyBeneathTheRoot(String path, int status) throws Exception {
        try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
            HttpTestClient.Response r = client.exchange(client.get(path));
            assertEquals(status, r.status, () -> path + ": " + r);
            assertFalse(r.text().contains(TestSite.SECRET));
            if (status == 200) {
                assertEquals(TestSite.HELLO, r.text());
            }
        }
    }
}
