/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's multicast test classes in a network namespace of their own. Netty's test looks for an interface with the
 * MULTICAST flag and probes it with a datagram; on a host whose loopback has no such flag (this one) it picks
 * the Ethernet interface and a datagram leaves the machine. In a fresh namespace the interfaces are the loopback
 * and a veth pair, one end with the flag, IPv4 and IPv6 addresses and the multicast routes, so every datagram stays in it.
 * Needs root (CAP_SYS_ADMIN for {@code unshare --net}), as the rest of the test command does.
 */
@GetBufTest(warmUp = false)
@Timeout(300)
class MulticastInNetnsTest {
    static final String PROPERTY = "getbuf.test.netns";
    private static final List<String> FORWARDED = List.of("io.netty.leakDetection.level",
            "io.netty.leakDetection.targetRecords", "io.netty.customResourceLeakDetector", "logback.configurationFile",
            "getbuf.test.requireIoUring", "getbuf.test.timeoutScale", "io.getbuf.transport.disable");

    @Test
    void nettysMulticastTestsPassInANamespaceWithAMulticastLoopback() throws Exception {
        GetBufAssumptions.assumeFeature("root".equals(System.getProperty("user.name")),
                () -> "unshare --net needs root");
        // a veth pair: what mc0 transmits goes to its peer mc1 (no multicast, no IPv6: nothing there listens), what
        // a member of mc0's groups should get the kernel loops back (IP_MULTICAST_LOOP). mc0 has no link-local
        // IPv6 address (addrgenmode none) and its own without duplicate address detection: usable at once.
        String setUp = "ip link set lo up && ip link add mc1 type veth peer name mc0"
                + " && ip link set mc1 multicast off && sysctl -qw net.ipv6.conf.mc1.disable_ipv6=1"
                + " && ip link set mc0 addrgenmode none && ip link set mc1 up && ip link set mc0 up"
                + " && ip addr add 10.200.0.1/24 dev mc0 && ip -6 addr add fd00:200::1/64 dev mc0 nodad"
                + " && ip route add 224.0.0.0/4 dev mc0"
                + " && exec \"$@\"";
        List<String> cmd = new ArrayList<>(List.of("unshare", "--net", "--", "sh", "-c", setUp, "sh",
                Paths.get(System.getProperty("java.home"), "bin", "java").toString()));
        // the child runs as this JVM does: JNI checks, the leak detector, our switches
        cmd.addAll(List.of("-Xcheck:jni", "-Xss2m"));
        for (String name : FORWARDED) {
            String value = System.getProperty(name);
            if (value != null) {
                cmd.add("-D" + name + '=' + value);
            }
        }
        cmd.add("-D" + PROPERTY + "=true");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NetnsLauncher.class.getName(),
                GetBufDatagramMulticastTest.class.getName(), GetBufDatagramMulticastIPv6Test.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "the child finished");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(" failed=0 skipped=0 aborted=0"), out);
    }
}
