/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.PlatformDependent;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The file server under a bounded, loopback-only mix of everything a public server meets, while its files are
 * deployed: thousands of idle keep-alive connections, clients fetching whole files, pipelined range and conditional
 * requests, slow readers, clients that reset mid-response, clients that connect and never send; meanwhile files are
 * replaced by rename, truncated in place, and one is deleted and deployed again. Every response is checked against the version its ETag names (the
 * deployer registers each version's ETag, computed from the file's inode, mtime and size as the server does, before
 * the version can be seen). Connections, descriptors, registered-buffer slots in use, pipes, direct memory, heap and
 * RSS are sampled every second. It passes when no response was wrong and, after the load stops, connections, fds,
 * slots and pipes are back at their starting levels (direct memory and heap within a pool chunk's slack).
 *
 * <p>Run by {@code benchmarks/run-soak.sh} (default 10 minutes) and, for 60 s, by {@link SoakTest} in the build.
 */
final class Soak {
    static final int KIB = 1024;
    private static final int FILES = 8;
    private static final int TRUNCATED_FILES = 2;
    /** One more file that the deployer deletes and deploys again: 404 while it is away. */
    private static final int DELETED_FILE = FILES + TRUNCATED_FILES;
    private static final int ALL_FILES = DELETED_FILE + 1;
    private static final int BIG_SIZE = 4 * 1024 * KIB;
    /** Direct memory a pooled allocator may keep after the load (its arenas' chunks), besides the JVM's own. */
    private static final long DIRECT_SLACK = 16L * 1024 * KIB;
    private static final long DIRECT_SLACK_PER_LOOP = 8L * 1024 * KIB;
    private static final long HEAP_SLACK = 64L * 1024 * KIB;
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    /** Pipes idle this long are closed by the transport (PipePool.IDLE_NANOS, 2 s), and a bit more. */
    private static final long PIPE_IDLE_MILLIS = 2500;

    /** What to run. */
    static final class Config {
        int seconds = 600;
        int idleConnections = 2000;
        int fetchers = 4;
        int pipeliners = 2;
        int slowReaders = 2;
        int resetters = 2;
        int silentConnections = 50;
        int threads = 2;
        String strategy = "AUTO";
    }

    /** One sample: time and the resource levels. */
    static final class Sample {
        final double seconds;
        final long[] values;

        Sample(double seconds, long[] values) {
            this.seconds = seconds;
            this.values = values;
        }
    }

    static final String[] METRICS = {"connections", "fds", "slots in use", "pipes open", "direct memory (MiB)",
        "heap used (MiB)", "RSS (MiB)", "responses/s", "wrong responses"};

    /** The outcome: samples, counts, and what failed (empty: passed). */
    static final class Result {
        final List<Sample> samples = new ArrayList<>();
        final Map<String, Long> counts = new LinkedHashMap<>();
        final List<String> failures = new ArrayList<>();
        final List<String> wrong = new CopyOnWriteArrayList<>();
        long[] start;
        long[] end;

        boolean passed() {
            return failures.isEmpty();
        }
    }

    private final Config config;
    private final Path root;
    private final PrintStream log;
    private final Result result = new Result();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Map<String, long[]> versions = new ConcurrentHashMap<>(); // ETag -> {file, version, length}
    private final Map<Long, byte[]> contentCache = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> e) {
            return size() > 64;
        }
    });
    private final Map<Long, List<Long>> truncatedAt = new ConcurrentHashMap<>(); // file << 40 | version -> lengths
    private final LongAdder zeroedByTruncation = new LongAdder();
    private final LongAdder cutWithTruncatedNeighbour = new LongAdder();
    private final LongAdder deletions = new LongAdder();
    private final LongAdder notFoundWhileDeleted = new LongAdder();
    private final Map<String, long[]> truncatedByInodeAndSize = new ConcurrentHashMap<>();
    private final LongAdder responses = new LongAdder();
    private final LongAdder cutByTruncation = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private final LongAdder timeouts408 = new LongAdder();
    private final LongAdder deploys = new LongAdder();
    private final LongAdder truncations = new LongAdder();
    private final AtomicLong versionCounter = new AtomicLong();
    private final Map<Socket, InputStream> idle = new ConcurrentHashMap<>();
    private FileServer server;

    Soak(Config config, Path workDir, PrintStream log) throws IOException {
        this.config = config;
        this.root = Files.createDirectories(workDir.resolve("root"));
        this.log = log;
    }

    private static String name(int file) {
        return file < FILES ? "f" + file + ".bin" : file == DELETED_FILE ? "d0.bin" : "t" + (file - FILES) + ".bin";
    }

    private static boolean truncatable(int file) {
        return file >= FILES && file != DELETED_FILE;
    }

    /** Version {@code v} of file {@code f}: its own bytes, 1 KiB to 256 KiB. */
    private byte[] content(long f, long v) {
        long key = f << 40 | v;
        byte[] cached = contentCache.get(key);
        if (cached != null) {
            return cached;
        }
        SplittableRandom r = new SplittableRandom(key);
        byte[] b = new byte[KIB + r.nextInt(255 * KIB)];
        r.nextBytes(b);
        contentCache.put(key, b);
        return b;
    }

    private static String etagOf(Path p) throws IOException {
        long ino = ((Number) Files.getAttribute(p, "unix:ino")).longValue();
        long mtime = Files.getLastModifiedTime(p).to(TimeUnit.NANOSECONDS);
        return "\"" + Long.toHexString(ino) + '-' + Long.toHexString(mtime) + '-' + Long.toHexString(Files.size(p))
                + '"';
    }

    /** Writes a new version of {@code file} under a hidden name, registers its ETag, renames it into place. */
    private void deploy(int file) throws IOException {
        long v = versionCounter.incrementAndGet();
        byte[] b = content(file, v);
        Path tmp = root.resolve(".deploy-" + v);
        Files.write(tmp, b);
        String etag = etagOf(tmp);
        long[] clash = versions.put(etag, new long[] {file, v, b.length});
        if (clash != null) {
            log.println("soak: ETag " + etag + " named version " + clash[1] + " (" + clash[2] + " bytes) before");
        }
        Files.move(tmp, root.resolve(name(file)), StandardCopyOption.ATOMIC_MOVE);
        deploys.increment();
    }

    /** Truncates {@code file} in place to half its length: the new version is the old one's prefix. */
    private void truncate(int file) throws IOException {
        Path p = root.resolve(name(file));
        long[] current = versions.get(etagOf(p));
        if (current == null || current[2] < 2 * KIB) {
            deploy(file); // back to a whole new version
            return;
        }
        long length = current[2] / 2;
        // said before it is done: a response may be checked the moment after
        truncatedAt.computeIfAbsent(current[0] << 40 | current[1], k -> new CopyOnWriteArrayList<>()).add(length);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(length);
        }
        String etag = etagOf(p);
        String[] f = etag.replace("\"", "").split("-");
        truncatedByInodeAndSize.put(f[0] + '-' + f[2], new long[] {current[0], current[1], length});
        long[] clash = versions.put(etag, new long[] {current[0], current[1], length});
        if (clash != null && (clash[1] != current[1] || clash[2] != length)) {
            log.println("soak: ETag " + etag + " named version " + clash[1] + " (" + clash[2] + " bytes) before");
        }
        truncations.increment();
    }

    Result run() throws Exception {
        for (int f = 0; f < ALL_FILES; f++) {
            deploy(f);
        }
        byte[] big = new byte[BIG_SIZE];
        new SplittableRandom(1).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        server = FileServer.start(ServerOptions.of("--transport", "getbuf", "--host", "127.0.0.1", "--port", "0",
                "--threads", Integer.toString(config.threads), "--strategy", config.strategy, "--cache-ms", "200",
                "--header-timeout-ms", "2000", "--keepalive-timeout-ms", "10000", "--send-timeout-ms", "10000"),
                root, new PrintStream(java.io.OutputStream.nullOutputStream()));
        InetSocketAddress address = server.address();
        log.println("soak: server on " + address + ", " + config.seconds + " s of load");
        result.start = levels(true);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.seconds);
        List<Thread> threads = new ArrayList<>();
        SplittableRandom deployRandom = new SplittableRandom(2);
        threads.add(loop("deployer", () -> deployerStep(deployRandom)));
        for (int i = 0; i < config.fetchers; i++) {
            SplittableRandom r = new SplittableRandom(100 + i);
            threads.add(connectionLoop("fetcher-" + i, address, (in, out) -> fetch(in, out, r)));
        }
        for (int i = 0; i < config.pipeliners; i++) {
            SplittableRandom r = new SplittableRandom(200 + i);
            threads.add(connectionLoop("pipeliner-" + i, address, (in, out) -> pipeline(in, out, r)));
        }
        for (int i = 0; i < config.slowReaders; i++) {
            threads.add(connectionLoop("slow-reader-" + i, address, (in, out) -> slowRead(in, out, big)));
        }
        for (int i = 0; i < config.resetters; i++) {
            threads.add(loop("resetter-" + i, () -> reset(address)));
        }
        threads.add(loop("silent", () -> silent(address)));
        threads.add(loop("idle", () -> idleStep(address)));
        threads.forEach(Thread::start);
        long lastResponses = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() - end < 0) {
            Thread.sleep(1000);
            long[] v = levels(false);
            long n = responses.sum();
            v[7] = n - lastResponses;
            lastResponses = n;
            result.samples.add(new Sample((System.nanoTime() - t0) / 1e9, v));
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join(READ_TIMEOUT_MILLIS + 5000L);
            if (t.isAlive()) {
                result.failures.add("thread " + t.getName() + " did not stop");
            }
        }
        for (Socket s : idle.keySet()) {
            s.close();
        }
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (server.connections() > 0 && System.nanoTime() - settle < 0) {
            Thread.sleep(50);
        }
        Thread.sleep(PIPE_IDLE_MILLIS); // the loops close idle pipes after 2 s
        result.end = levels(true);
        result.samples.add(new Sample((System.nanoTime() - t0) / 1e9, result.end));
        String summary = server.stop();
        judge(summary);
        return result;
    }

    private void judge(String summary) {
        Map<String, Long> c = result.counts;
        c.put("responses checked", responses.sum());
        c.put("wrong responses", (long) result.wrong.size());
        c.put("deploys by rename", deploys.sum());
        c.put("truncations in place", truncations.sum());
        c.put("deletions", deletions.sum());
        c.put("404 for the deleted file while it was away", notFoundWhileDeleted.sum());
        c.put("responses cut short by a truncation in place (allowed)", cutByTruncation.sum());
        c.put("responses with a truncated page's tail zeroed in flight (zero-copy, allowed)", zeroedByTruncation.sum());
        c.put("pipelined responses cut short by the reset after a truncated neighbour failed (allowed)",
                cutWithTruncatedNeighbour.sum());
        c.put("connections reset by the client", resets.sum());
        c.put("silent connections answered 408", timeouts408.sum());
        c.put("peak connections", result.samples.stream().mapToLong(s -> s.values[0]).max().orElse(0));
        if (!result.wrong.isEmpty()) {
            result.failures.add(result.wrong.size() + " wrong responses, the first: "
                    + String.join(" | ", result.wrong.subList(0, Math.min(5, result.wrong.size()))));
        }
        long[] s = result.start;
        long[] e = result.end;
        if (e[0] != 0) {
            result.failures.add("connections not back to 0: " + e[0]);
        }
        if (e[1] > s[1]) {
            result.failures.add("descriptors not back: " + s[1] + " -> " + e[1]);
        }
        if (e[2] > s[2]) {
            result.failures.add("slots in use not back: " + s[2] + " -> " + e[2]);
        }
        if (e[3] > s[3]) {
            result.failures.add("pipes not back: " + s[3] + " -> " + e[3]);
        }
        if ((e[4] - s[4]) * 1024 * 1024 > DIRECT_SLACK + DIRECT_SLACK_PER_LOOP * config.threads) {
            result.failures.add("direct memory not back: " + s[4] + " -> " + e[4] + " MiB");
        }
        if ((e[5] - s[5]) * 1024 * 1024 > HEAP_SLACK) {
            result.failures.add("heap not back: " + s[5] + " -> " + e[5] + " MiB");
        }
        if (responses.sum() < config.seconds) {
            result.failures.add("too few responses to mean anything: " + responses.sum());
        }
        log.println("soak: " + summary);
    }

    /** The resource levels now; {@code gc}: after collecting garbage (start and end). */
    private long[] levels(boolean gc) throws Exception {
        if (gc) {
            System.gc();
            Thread.sleep(200);
        }
        long[] v = new long[METRICS.length];
        v[0] = server.connections();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            v[1] = fds.count() - 1;
        }
        long[] loops = loopLevels();
        v[2] = loops[0];
        v[3] = loops[1];
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct += pool.getMemoryUsed();
            }
        }
        direct += Math.max(0, PlatformDependent.usedDirectMemory());
        v[4] = direct >> 20;
        v[5] = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                v[6] = Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
            }
        }
        v[8] = result.wrong.size();
        return v;
    }

    /**
     * Registered-buffer slots in use and pipes open, summed over the event loops: the transport's internal state
     * (package-private there), read by reflection on each loop's own thread.
     */
    private long[] loopLevels() throws Exception {
        long slots = 0;
        long pipes = 0;
        Class<?> handlerClass = Class.forName("io.getbuf.transport.GetBufIoHandler");
        for (EventExecutor e : server.group()) {
            EventLoop loop = (EventLoop) e;
            long[] l = loop.submit(() -> {
                Object handler = call(null, handlerClass, "handlerOf", loop);
                Object strategies = call(handler, handlerClass, "fileStrategies");
                Object table = call(strategies, strategies.getClass(), "table");
                Object pool = call(strategies, strategies.getClass(), "pipes");
                long inUse = table == null ? 0 : (Integer) call(table, table.getClass(), "userSlots")
                        - (Integer) call(table, table.getClass(), "emptySlots");
                long open = pool == null ? 0 : (Integer) call(pool, pool.getClass(), "openPipes");
                return new long[] {inUse, open};
            }).get(10, TimeUnit.SECONDS);
            slots += l[0];
            pipes += l[1];
        }
        return new long[] {slots, pipes};
    }

    private static Object call(Object target, Class<?> type, String name, Object... args) throws Exception {
        return GetBufFileServerTest.call(target, type, name, args);
    }

    private interface Step {
        void run() throws Exception;
    }

    private interface Conversation {
        /** One exchange; false when the connection cannot go on (a response was cut short). */
        boolean run(InputStream in, OutputStream out) throws Exception;
    }

    private Thread loop(String name, Step step) {
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                try {
                    step.run();
                } catch (Exception e) {
                    if (!stop.get()) {
                        result.wrong.add(name + ": " + e);
                    }
                }
            }
        }, "soak-" + name);
        t.setDaemon(true);
        return t;
    }

    /** A keep-alive connection running {@code conversation} until it ends or fails; then a new connection. */
    private Thread connectionLoop(String name, InetSocketAddress address, Conversation conversation) {
        return loop(name, () -> {
            try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                InputStream in = new BufferedInputStream(s.getInputStream(), 64 * KIB);
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < 200 && !stop.get() && conversation.run(in, out); i++) {
                    // the next exchange on this connection
                }
            }
        });
    }

    private void deployerStep(SplittableRandom r) throws Exception {
        Thread.sleep(20 + r.nextInt(120));
        if (r.nextInt(8) == 0) {
            if (Files.deleteIfExists(root.resolve(name(DELETED_FILE)))) {
                deletions.increment();
            } else {
                deploy(DELETED_FILE);
            }
        } else if (r.nextInt(5) == 0) {
            truncate(FILES + r.nextInt(TRUNCATED_FILES));
        } else {
            deploy(r.nextInt(FILES));
        }
    }

    private static void send(OutputStream out, String path, String... headers) throws IOException {
        StringBuilder req = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: soak\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private boolean fetch(InputStream in, OutputStream out, SplittableRandom r) throws Exception {
        int file = r.nextInt(ALL_FILES);
        send(out, "/" + name(file));
        return check(RawResponse.read(in, false), file, null, null);
    }

    /** Eight requests in one write: whole, ranges (one and several), conditionals, HEAD-less, in order. */
    private boolean pipeline(InputStream in, OutputStream out, SplittableRandom r) throws Exception {
        int n = 8;
        int[] files = new int[n];
        String[] ranges = new String[n];
        String[] inm = new String[n];
        StringBuilder all = new StringBuilder();
        List<String> etags = new ArrayList<>(versions.keySet());
        for (int i = 0; i < n; i++) {
            files[i] = r.nextInt(ALL_FILES);
            List<String> headers = new ArrayList<>();
            switch (r.nextInt(4)) {
                case 0:
                    ranges[i] = "bytes=" + r.nextInt(4096) + '-' + (4096 + r.nextInt(4096));
                    break;
                case 1:
                    ranges[i] = "bytes=0-99," + (1000 + r.nextInt(500)) + "-1999,-" + (1 + r.nextInt(300));
                    break;
                case 2:
                    if (!etags.isEmpty()) {
                        inm[i] = etags.get(r.nextInt(etags.size()));
                        headers.add("If-None-Match: " + inm[i]);
                    }
                    break;
                default:
                    break;
            }
            if (ranges[i] != null) {
                headers.add("Range: " + ranges[i]);
            }
            all.append("GET /").append(name(files[i])).append(" HTTP/1.1\r\nHost: soak\r\n");
            for (String h : headers) {
                all.append(h).append("\r\n");
            }
            all.append("\r\n");
        }
        out.write(all.toString().getBytes(StandardCharsets.ISO_8859_1));
        boolean truncatableInBatch = false;
        for (int f : files) {
            truncatableInBatch |= truncatable(f);
        }
        for (int i = 0; i < n; i++) {
            RawResponse resp;
            try {
                resp = RawResponse.read(in, false);
            } catch (IOException resetInAHead) {
                if (!truncatableInBatch) {
                    throw resetInAHead;
                }
                cutWithTruncatedNeighbour.increment();
                return false;
            }
            if (!check(resp, files[i], ranges[i], inm[i], truncatableInBatch)) {
                return false; // the server closed after a response cut short: a new connection
            }
        }
        return true;
    }

    private boolean slowRead(InputStream in, OutputStream out, byte[] big) throws Exception {
        send(out, "/big.bin");
        if (readSlowly(in, big)) {
            responses.increment();
            return true;
        }
        return false;
    }

    /** Reads the big file 16 KiB at a time with pauses, checking every byte. */
    private boolean readSlowly(InputStream in, byte[] big) throws Exception {
        StringBuilder line = new StringBuilder();
        int status = 0;
        long length = -1;
        for (;;) { // the head, a byte at a time
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the head");
            }
            if (b != '\n') {
                line.append((char) b);
                continue;
            }
            String l = line.toString().trim();
            line.setLength(0);
            if (l.isEmpty()) {
                break;
            }
            if (status == 0) {
                status = Integer.parseInt(l.split(" ")[1]);
            } else if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(l.substring(15).trim());
            }
        }
        if (status != 200 || length != big.length) {
            result.wrong.add("slow reader: status " + status + ", length " + length);
            return false;
        }
        byte[] buf = new byte[16 * KIB];
        for (int done = 0; done < big.length; ) {
            int n = in.read(buf, 0, Math.min(buf.length, big.length - done));
            if (n < 0) {
                result.wrong.add("slow reader: cut short at " + done);
                return false;
            }
            if (!Arrays.equals(buf, 0, n, big, done, done + n)) {
                result.wrong.add("slow reader: wrong bytes at " + done);
                return false;
            }
            done += n;
            Thread.sleep(5);
        }
        return true;
    }

    /** Asks for the big file, reads a little of it, and resets the connection (SO_LINGER 0). */
    private void reset(InetSocketAddress address) throws Exception {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            s.setSoTimeout(READ_TIMEOUT_MILLIS);
            send(s.getOutputStream(), "/big.bin");
            s.getInputStream().readNBytes(1 + (int) (System.nanoTime() % (64 * KIB)));
            s.setSoLinger(true, 0);
        }
        resets.increment();
        Thread.sleep(50);
    }

    /** Connects and says nothing: the server must answer 408 at its header timeout and close. */
    private void silent(InetSocketAddress address) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < config.silentConnections; i++) {
                Socket s = new Socket(address.getAddress(), address.getPort());
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                sockets.add(s);
            }
            for (Socket s : sockets) {
                byte[] answer = s.getInputStream().readNBytes(12);
                if (new String(answer, StandardCharsets.US_ASCII).equals("HTTP/1.1 408")) {
                    timeouts408.increment();
                } else if (!stop.get()) {
                    result.wrong.add("a silent connection got '" + new String(answer, StandardCharsets.US_ASCII)
                            + "'");
                }
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** Keeps {@code idleConnections} keep-alive connections open, each asking for a file now and then. */
    private void idleStep(InetSocketAddress address) throws Exception {
        if (idle.size() < config.idleConnections) {
            // a request at once: a connection that says nothing is answered 408 at the header timeout
            Socket s = new Socket(address.getAddress(), address.getPort());
            s.setSoTimeout(READ_TIMEOUT_MILLIS);
            InputStream in = new BufferedInputStream(s.getInputStream());
            int file = (int) (System.nanoTime() % FILES);
            send(s.getOutputStream(), "/" + name(file));
            check(RawResponse.read(in, false), file, null, null);
            idle.put(s, in);
            return;
        }
        // every connection asks once per round; a round takes a few seconds, within the keep-alive timeout
        for (Map.Entry<Socket, InputStream> e : idle.entrySet()) {
            if (stop.get()) {
                return;
            }
            Socket s = e.getKey();
            int file = (int) (System.nanoTime() % FILES);
            try {
                send(s.getOutputStream(), "/" + name(file));
                check(RawResponse.read(e.getValue(), false), file, null, null);
            } catch (IOException closed) {
                idle.remove(s);
                s.close();
            }
        }
        Thread.sleep(2000);
    }

    /**
     * Whether {@code r} is what {@code file} (asked with {@code range} and {@code ifNoneMatch}) may be answered
     * with: the bytes of the version its ETag names, whole or the ranges asked; a 304 for the tag sent. A response
     * cut short counts as wrong unless the file is one truncated in place. False also when the connection must go.
     */
    private boolean check(RawResponse r, int file, String range, String ifNoneMatch) throws Exception {
        return check(r, file, range, ifNoneMatch, false);
    }

    /**
     * As above; {@code truncatableInBatch}: the request was pipelined with one for a file truncated in place. When
     * that one's response fails, the server closes the connection, and the reset that the requests it had not read
     * cause destroys what was still in its send buffer (earlier responses too): cut short, counted apart.
     */
    private boolean check(RawResponse r, int file, String range, String ifNoneMatch, boolean truncatableInBatch)
            throws Exception {
        String what = Thread.currentThread().getName() + ": " + name(file) + (range != null ? " " + range : "") + (ifNoneMatch != null ? " INM" : "");
        if (r == null) {
            if (truncatableInBatch) {
                cutWithTruncatedNeighbour.increment();
                return false;
            }
            throw new IOException("closed before the response to " + what);
        }
        responses.increment();
        String etag = r.header("etag");
        if (r.status == 404 && file == DELETED_FILE) {
            notFoundWhileDeleted.increment();
            return true;
        }
        if (r.status == 304) {
            if (ifNoneMatch == null || !ifNoneMatch.equals(etag)) {
                result.wrong.add(what + ": 304 for " + etag);
            }
            return true;
        }
        if (r.status == 416) {
            return true; // a range past the end of a truncated version (a 416 names no version)
        }
        long[] version = etag == null ? null : awaitVersion(etag);
        if (version == null || version[0] != file) {
            result.wrong.add(what + ": ETag " + etag + " names no version of this file: " + r);
            return false;
        }
        byte[] content = Arrays.copyOf(content(version[0], version[1]), (int) version[2]);
        if (!r.complete) {
            if (truncatable(file)) {
                cutByTruncation.increment();
            } else if (truncatableInBatch) {
                cutWithTruncatedNeighbour.increment();
            } else {
                result.wrong.add(what + ": cut short: " + r);
            }
            return false;
        }
        if (r.status == 200) {
            if (!Arrays.equals(content, r.body) && !zeroedPastTruncation(version, 0, r.body, content)) {
                result.wrong.add(what + ": 200 with bytes of no version (" + r.body.length + " of "
                        + content.length + ", version " + version[1] + ", first difference at "
                        + Arrays.mismatch(content, r.body) + ", ETag " + etag + ", " + diffSummary(content, r.body)
                        + ")");
            }
            return true;
        }
        if (r.status != 206) {
            result.wrong.add(what + ": status " + r);
            return true;
        }
        String type = r.header("content-type");
        if (type != null && type.startsWith("multipart/byteranges")) {
            checkMultipart(what, r, type.substring(type.indexOf('=') + 1), content, version);
        } else {
            checkPart(what, r.header("content-range"), r.body, content, version);
        }
        return true;
    }

    /**
     * Whether {@code body} (bytes from {@code offset} of {@code version}) differs from the version only by zeros
     * from a point where the deployer truncated that version in place: a zero-copy send
     * (sendfile, splice, GET_BUF) hands the socket the page itself, and truncate(2) zeroes the page's tail after
     * the new end of the file, possibly before the socket sent it. Counted apart; no server that sends files by
     * reference can prevent it, and a deploy by rename never causes it.
     */
    private boolean zeroedPastTruncation(long[] version, long offset, byte[] body, byte[] content) {
        List<Long> cuts = truncatedAt.get(version[0] << 40 | version[1]);
        if (cuts == null) {
            return false;
        }
        for (long cut : cuts) {
            boolean explained = true;
            for (int i = 0; i < body.length && explained; i++) {
                long at = offset + i;
                if (body[i] != content[(int) at]) {
                    // zeroed from the new end of the file to the end of its page cache folio (large folios
                    // can be many pages)
                    explained = body[i] == 0 && at >= cut;
                }
            }
            if (explained) {
                zeroedByTruncation.increment();
                return true;
            }
        }
        return false;
    }

    private static String diffSummary(byte[] content, byte[] body) {
        int first = Arrays.mismatch(content, body);
        int last = first;
        int zeros = 0;
        int differing = 0;
        for (int i = first; i >= 0 && i < Math.min(content.length, body.length); i++) {
            if (content[i] != body[i]) {
                differing++;
                last = i;
                if (body[i] == 0) {
                    zeros++;
                }
            }
        }
        StringBuilder sample = new StringBuilder();
        for (int i = first; i >= 0 && i < Math.min(first + 8, body.length); i++) {
            sample.append(String.format("%02x/%02x ", body[i], content[i]));
        }
        return differing + " bytes differ in [" + first + ", " + last + "], " + zeros + " of them zero: " + sample;
    }

    private void checkPart(String what, String contentRange, byte[] body, byte[] content, long[] version) {
        String[] p = contentRange.substring("bytes ".length()).split("[-/]");
        int first = Integer.parseInt(p[0]);
        int last = Integer.parseInt(p[1]);
        if (Long.parseLong(p[2]) != content.length || last >= content.length
                || (!Arrays.equals(body, Arrays.copyOfRange(content, first, last + 1))
                        && !zeroedPastTruncation(version, first, body, content))) {
            result.wrong.add(what + ": part " + contentRange + " is not that range of the version ("
                    + content.length + " bytes)");
        }
    }

    private void checkMultipart(String what, RawResponse r, String boundary, byte[] content, long[] version) {
        String body = new String(r.body, StandardCharsets.ISO_8859_1);
        String[] parts = body.split("\r\n--" + java.util.regex.Pattern.quote(boundary) + "(--)?\r\n", -1);
        for (int i = 1; i < parts.length - 1; i++) {
            String part = parts[i];
            int blank = part.indexOf("\r\n\r\n");
            String range = null;
            for (String h : part.substring(0, blank).split("\r\n")) {
                if (h.toLowerCase(Locale.ROOT).startsWith("content-range:")) {
                    range = h.substring(h.indexOf(':') + 1).trim();
                }
            }
            checkPart(what, range, part.substring(blank + 4).getBytes(StandardCharsets.ISO_8859_1), content, version);
        }
    }

    /**
     * The version an ETag names; the deployer registers a truncation just after it, so wait a moment. A truncation
     * in place is not atomic for fstat (the new size can be seen with the old mtime): an ETag unknown as such is
     * taken by its inode and size when those name a version truncated in place.
     */
    private long[] awaitVersion(String etag) throws InterruptedException {
        long[] v = versions.get(etag);
        for (int i = 0; v == null && i < 100; i++) {
            Thread.sleep(10);
            v = versions.get(etag);
        }
        if (v == null) {
            String[] f = etag.replace("\"", "").split("-");
            if (f.length == 3) {
                v = truncatedByInodeAndSize.get(f[0] + '-' + f[2]);
            }
        }
        return v;
    }

    /** The samples as a table (seconds, then one column per metric). */
    static String tsv(Result r) {
        StringBuilder t = new StringBuilder("seconds");
        for (String m : METRICS) {
            t.append('\t').append(m);
        }
        t.append('\n');
        for (Sample s : r.samples) {
            t.append(String.format(Locale.ROOT, "%.1f", s.seconds));
            for (long v : s.values) {
                t.append('\t').append(v);
            }
            t.append('\n');
        }
        return t.toString();
    }

    /** The samples as small multiples, one panel per metric, in one SVG. */
    static String svg(Result r, String title) {
        int w = 360;
        int h = 140;
        int cols = 3;
        int rows = (METRICS.length + cols - 1) / cols;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">\n", cols * w, rows * h + 30));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append("<text x=\"10\" y=\"18\" font-size=\"14\">").append(DirectoryListing.escapeHtml(title))
                .append("</text>\n");
        double tMax = r.samples.isEmpty() ? 1 : Math.max(1, r.samples.get(r.samples.size() - 1).seconds);
        for (int m = 0; m < METRICS.length; m++) {
            int x0 = (m % cols) * w + 50;
            int y0 = (m / cols) * h + 40;
            int pw = w - 70;
            int ph = h - 45;
            long max = 1;
            for (Sample smp : r.samples) {
                max = Math.max(max, smp.values[m]);
            }
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                    + "stroke=\"#ccc\"/>\n", x0, y0, pw, ph));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>\n", x0, y0 - 4, METRICS[m]));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>\n", x0 - 4,
                    y0 + 10, max));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", x0 - 4,
                    y0 + ph));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f s</text>\n",
                    x0 + pw, y0 + ph + 12, tMax));
            StringBuilder points = new StringBuilder();
            for (Sample smp : r.samples) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x0 + pw * smp.seconds / tMax,
                        y0 + ph - (double) ph * smp.values[m] / max));
            }
            s.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"").append(points)
                    .append("\"/>\n");
        }
        return s.append("</svg>\n").toString();
    }

    /** A Markdown summary: the command's settings, the counts, start and end levels, and the verdict. */
    static String markdown(Result r, Config c, String svgName) {
        StringBuilder md = new StringBuilder("# File server soak\n\n");
        md.append(String.format(Locale.ROOT, "%d s, %d idle keep-alive connections, %d fetchers, %d pipeliners, "
                + "%d slow readers, %d resetters, %d silent connections at a time, %d event loops, strategy %s%n%n",
                c.seconds, c.idleConnections, c.fetchers, c.pipeliners, c.slowReaders, c.resetters,
                c.silentConnections, c.threads, c.strategy));
        md.append("| count | value |\n|---|---:|\n");
        r.counts.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append("\n| resource | start | peak | end |\n|---|---:|---:|---:|\n");
        for (int m = 0; m < 7; m++) {
            long peak = 0;
            for (Sample s : r.samples) {
                peak = Math.max(peak, s.values[m]);
            }
            md.append("| ").append(METRICS[m]).append(" | ").append(r.start[m]).append(" | ").append(peak)
                    .append(" | ").append(r.end[m]).append(" |\n");
        }
        md.append("\n").append(r.passed() ? "**PASSED**" : "**FAILED**: " + String.join("; ", r.failures))
                .append("\n\n![samples](").append(svgName).append(")\n");
        return md.toString();
    }

    /**
     * {@code Soak [seconds [outputDir [idleConnections [strategy]]]]}: runs, writes soak-DATE.{md,tsv,svg} there,
     * exits 1 on
     * failure.
     */
    public static void main(String[] args) throws Exception {
        Config c = new Config();
        if (args.length > 0) {
            c.seconds = Integer.parseInt(args[0]);
        }
        if (args.length > 2) {
            c.idleConnections = Integer.parseInt(args[2]);
        }
        if (args.length > 3) {
            c.strategy = args[3];
        }
        Path out = Path.of(args.length > 1 ? args[1] : ".");
        Path work = Files.createTempDirectory("getbuf-soak-");
        Result r;
        try {
            r = new Soak(c, work, System.out).run();
        } finally {
            BundledSite.delete(work);
        }
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern(
                "yyyyMMdd-HHmmss"));
        write(r, c, out, "soak-" + stamp);
        System.out.println(markdown(r, c, "soak-" + stamp + ".svg"));
        System.exit(r.passed() ? 0 : 1);
    }

    static void write(Result r, Config c, Path dir, String base) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(base + ".tsv"), tsv(r));
        Files.writeString(dir.resolve(base + ".svg"), svg(r, "getbuf file server soak, " + c.seconds + " s"));
        Files.writeString(dir.resolve(base + ".md"), markdown(r, c, base + ".svg"));
    }

}
