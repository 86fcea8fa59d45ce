package io.getbuf.transport.testsuite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The open file descriptors of this JVM ({@code /proc/self/fd}): descriptor number to link target
 * ({@code socket:[inode]}, {@code anon_inode:[io_uring]}, {@code pipe:[inode]}, a path, ...).
 */
public final class FdSnapshot {

    private static final Path FD_DIR = Paths.get("/proc/self/fd");
    private static final String OWN_DIR = "/proc/" + ProcessHandle.current().pid() + "/fd";
    private static final String JAVA_HOME = System.getProperty("java.home");

    private final Map<Integer, String> fds;

    private FdSnapshot(Map<Integer, String> fds) {
        this.fds = fds;
    }

    public static FdSnapshot take() {
        Map<Integer, String> fds = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(FD_DIR)) {
            for (Path fd : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (NoSuchFileException closedMeanwhile) {
                    continue;
                }
                if (target.equals(OWN_DIR)) {
                    continue; // the descriptor of this directory listing
                }
                fds.put(Integer.parseInt(fd.getFileName().toString()), target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FdSnapshot(fds);
    }

    int size() {
        return fds.size();
    }

    /**
     * The descriptors open now that were not open (with the same target) in {@code start}, leaving out those the
     * JVM opens lazily and keeps for its lifetime: class path jars (a test class touching a jar for the first
     * time), files under java.home, and the /dev/random, /dev/urandom descriptors SecureRandom (TLS tests) keeps.
     */
    public Map<Integer, String> newSince(FdSnapshot start) {
        Map<Integer, String> fresh = new TreeMap<>();
        for (Map.Entry<Integer, String> e : fds.entrySet()) {
            String target = e.getValue();
            if (target.equals(start.fds.get(e.getKey())) || jvmOwned(target)) {
                continue;
            }
            fresh.put(e.getKey(), target);
        }
        return fresh;
    }

    private static boolean jvmOwned(String target) {
        if (target.endsWith(" (deleted)")) { // e.g. surefire's booter jar, deleted while the JVM holds it open
            target = target.substring(0, target.length() - " (deleted)".length());
        }
        return target.endsWith(".jar") || target.endsWith(".zip")
                || target.equals("/dev/random") || target.equals("/dev/urandom")
                || (JAVA_HOME != null && target.startsWith(JAVA_HOME));
    }

    /** {@code socket:[inode]} to "tcp local -> remote STATE" for the TCP sockets of this network namespace. */
    static Map<String, String> tcpSockets() {
        Map<String, String> sockets = new HashMap<>();
        readTcp(Paths.get("/proc/self/net/tcp"), "tcp", sockets);
        readTcp(Paths.get("/proc/self/net/tcp6"), "tcp6", sockets);
        return sockets;
    }

    private static void readTcp(Path table, String proto, Map<String, String> sockets) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            return;
        }
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            sockets.put("socket:[" + f[9] + ']',
                    proto + ' ' + address(f[1]) + " -> " + address(f[2]) + ' ' + state(f[3]));
        }
    }

    // /proc/net/tcp prints addresses as 32-bit words in host (little endian) order, then ":PORT" in hex.
    private static String address(String hex) {
        int colon = hex.indexOf(':');
        String ip = hex.substring(0, colon);
        int port = Integer.parseInt(hex.substring(colon + 1), 16);
        byte[] bytes = new byte[ip.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(ip.substring(at, at + 2), 16);
            }
        }
        try {
            String host = java.net.InetAddress.getByAddress(bytes).getHostAddress();
            return (bytes.length == 16 ? '[' + host + ']' : host) + ':' + port;
        } catch (java.net.UnknownHostException e) {
            return hex;
        }
    }

    private static String state(String hex) {
        switch (Integer.parseInt(hex, 16)) {
            case 1: return "ESTABLISHED";
            case 2: return "SYN_SENT";
            case 3: return "SYN_RECV";
            case 4: return "FIN_WAIT1";
            case 5: return "FIN_WAIT2";
            case 6: return "TIME_WAIT";
            case 7: return "CLOSE";
            case 8: return "CLOSE_WAIT";
            case 9: return "LAST_ACK";
            case 10: return "LISTEN";
            case 11: return "CLOSING";
            default: return "state " + hex;
        }
    }
}
