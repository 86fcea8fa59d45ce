/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM whose class path lacks the native jar (a user who forgot the {@code linux-x86_64} classifier): every
 * question {@link GetBuf} answers is answered (false, or the reason), nothing throws but
 * {@link GetBuf#ensureAvailability()} and the factory, and those name the library.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class NativeLibraryMissingTest {

    @Test
    void withoutTheLibraryEveryProbeAnswersAndTheFactoryExplains() throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("getbuf-transport-native") && !e.contains("/transport-native/target")).collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                Child.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(Fixtures.scaled(60), TimeUnit.SECONDS), "the child finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("isAvailable=false"), out);
        assertTrue(out.contains("cause=java.lang.UnsatisfiedLinkError: could not load libgetbuf_transport_native"), out);
        assertTrue(out.contains("factory: UnsatisfiedLinkError"), out);
        assertTrue(!out.contains("threw"), out);
    }

    /** Calls every public static no-argument {@code is*} of GetBuf (true only for the sysctl readers), then the factory. */
    public static final class Child {
        public static void main(String[] args) {
            for (Method m : GetBuf.class.getMethods()) {
                if (!Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0
                        || !m.getName().startsWith("is") || m.getReturnType() != boolean.class) {
                    continue;
                }
                try {
                    boolean v = (Boolean) m.invoke(null);
                    System.out.println(m.getName() + "=" + v);
                    if (v && !m.getName().startsWith("isTcpFastOpen")) { // those read a sysctl, not the library
                        System.out.println(m.getName() + " threw nothing but said true without a library");
                    }
                } catch (ReflectiveOperationException e) {
                    System.out.println(m.getName() + " threw " + e.getCause());
                }
            }
            System.out.println("cause=" + GetBuf.unavailabilityCause());
            System.out.println("describe=" + GetBuf.describe());
            try {
                GetBufIoHandler.newFactory();
                System.out.println("factory: created");
            } catch (UnsatisfiedLinkError e) {
                System.out.println("factory: UnsatisfiedLinkError " + e.getMessage());
            }
        }
    }
}
