package io.getbuf.benchmarks.echo;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The driver: starts one echo server JVM per transport (pinned to the server CPU) and one client JVM
 * (pinned to the client CPU), then runs every row on every transport, interleaved (the order of the
 * transports rotates by one each repetition), and prints a Markdown table of medians.
 *
 * <p>Normally started by {@code benchmarks/run-echo.sh}, which builds the class paths. Options:
 * <pre>
 *   --quick                 smoke run: 1 repetition, 0.3 s warm-up + 0.7 s measurement per cell
 *   --transports a,b,..     default getbuf,io_uring,epoll,incubator (also: nio); "name-label" runs
 *                           transport name in an extra column (combine with --rcvbuf name-label=...)
 *   --reps N                repetitions per row (default 3)
 *   --warmup-ms N           warm-up per cell (default 1500)
 *   --measure-ms N          measurement window per cell (default 4000)
 *   --global-warmup-ms N    JIT warm-up per transport before the first row (default 3000)
 *   --rows spec,..          subset of rows, e.g. pingpong:64:1,stream:16384:64
 *   --server-cpu N / --client-cpu N   CPUs for taskset (default 0 / 1)
 *   --rt                    run servers and client under SCHED_RR (chrt -r 1)
 *   --heap SIZE             -Xms/-Xmx of servers and client (default 1g)
 *   --classes DIR --cp42 FILE --cp41 FILE   class paths (run-echo.sh passes them)
 *   --rcvbuf T=SPEC         child RCVBUF_ALLOCATOR of server T: fixed:N or adaptive:MIN:INITIAL:MAX
 *   --server-jvm-arg T=ARG  one more JVM argument for server T (repeatable), e.g. a profiler agent
 *   --out FILE              also write the report there
 * </pre>
 */
public final class EchoBenchmark {

    static final class Row {
        final String mode;
        final int size;
        final int conns;

        Row(String mode, int size, int conns) {
            this.mode = mode;
            this.size = size;
            this.conns = conns;
        }

        boolean stream() {
            return mode.equals("stream");
        }

        String sizeLabel() {
            return size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
        }

        String unit() {
            return stream() ? "MiB/s" : "msg/s";
        }

        @Override
        public String toString() {
            return mode + ":" + size + ":" + conns;
        }
    }

    static final class Sample {
        final double rate;        // msg/s (pingpong) or MiB/s (stream)
        final double serverCpu;   // % of one core, whole server process
        final double clientCpu;   // % of one core, whole client process
        final long errors;
        final double serverCost; // server CPU: microseconds per message (pingpong) or seconds per GiB (stream)
        final double p50Micros;   // pingpong round trip latency percentiles (NaN for stream)
        final double p99Micros;
        final double p999Micros;

        Sample(double rate, double serverCpu, double clientCpu, long errors, double serverCost, double p50Micros,
               double p99Micros, double p999Micros) {
            this.p50Micros = p50Micros;
            this.p99Micros = p99Micros;
            this.p999Micros = p999Micros;
            this.rate = rate;
            this.serverCpu = serverCpu;
            this.clientCpu = clientCpu;
            this.errors = errors;
            this.serverCost = serverCost;
        }
    }

    /** A child JVM with its stdout lines in a queue and stderr in a log file. */
    static final class Child {
        final String name;
        final Process process;
        final PrintWriter stdin;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Child(String name, List<String> cmd, File log) throws IOException {
            this.name = name;
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectError(ProcessBuilder.Redirect.appendTo(log));
            this.process = pb.start();
            this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        lines.add(l);
                    }
                } catch (IOException ignore) {
                    // process gone
                }
                lines.add("EOF");
            }, name + "-stdout");
            t.setDaemon(true);
            t.start();
        }

        /** The next line starting with one of the prefixes; other lines are skipped. */
        String await(long timeoutMs, String... prefixes) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            for (;;) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                String l = lines.poll(left, TimeUnit.NANOSECONDS);
                if (l == null) {
                    return null;
                }
                if (l.equals("EOF")) {
                    lines.add(l); // sticky
                    return l;
                }
                for (String p : prefixes) {
                    if (l.startsWith(p)) {
                        return l;
                    }
                }
            }
        }

        void send(String line) {
            stdin.println(line);
        }

        /** user + system CPU ticks of the whole process (all threads, io-wq workers included). */
        long cpuTicks() {
            try {
                String s = new String(Files.readAllBytes(Paths.get("/proc/" + process.pid() + "/stat")),
                        StandardCharsets.US_ASCII);
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                // after the comm field: state(0) ... utime is field 14 overall -> index 11 here
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        void stop() {
            try {
                send("quit");
                stdin.close();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(3, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class Server {
        final String transport;
        Child child;
        int port = -1;
        String desc = "";
        String unavailable; // non-null: not run, why
        int failuresInARow;

        Server(String transport) {
            this.transport = transport;
        }

        boolean usable() {
            return unavailable == null && child != null && child.process.isAlive();
        }
    }

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    // options
    private List<String> transports = new ArrayList<>(Arrays.asList("getbuf", "io_uring", "epoll", "incubator"));
    private int reps = 3;
    private long warmupMs = 1500;
    private long measureMs = 4000;
    private long globalWarmupMs = 3000;
    private boolean quick;
    private int serverCpu = 0;
    private int clientCpu = 1;
    private boolean rt;
    private String classes;
    private String cp42;
    private String cp41;
    private String out;
    private String rowsSpec;
    private String logDir;
    private final List<String> notes = new ArrayList<>();
    private final Map<String, String> rcvbuf = new LinkedHashMap<>(); // transport -> echo.rcvbuf spec
    // 1 GiB: with 512 MiB or less Netty's adaptive allocator runs in its low-memory mode, and reads
    // of 32-64 KiB then get a fresh, zeroed direct buffer each (6-11% of a server's time)
    private String heap = "1g";
    private final Map<String, List<String>> serverJvmArgs = new LinkedHashMap<>(); // transport -> JVM args

    private final List<Server> servers = new ArrayList<>();
    private Child client;
    private final List<Child> children = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        EchoBenchmark b = new EchoBenchmark();
        b.parse(args);
        Runtime.getRuntime().addShutdownHook(new Thread(b::killAll));
        b.run();
        System.exit(0);
    }

    private void parse(String[] args) throws IOException {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick":
                    quick = true;
                    reps = 1;
                    warmupMs = 300;
                    measureMs = 700;
                    globalWarmupMs = 0;
                    break;
                case "--transports":
                    transports = new ArrayList<>(Arrays.asList(args[++i].split(",")));
                    break;
                case "--reps":
                    reps = Integer.parseInt(args[++i]);
                    break;
                case "--warmup-ms":
                    warmupMs = Long.parseLong(args[++i]);
                    break;
                case "--measure-ms":
                    measureMs = Long.parseLong(args[++i]);
                    break;
                case "--global-warmup-ms":
                    globalWarmupMs = Long.parseLong(args[++i]);
                    break;
                case "--rows":
                    rowsSpec = args[++i];
                    break;
                case "--server-cpu":
                    serverCpu = Integer.parseInt(args[++i]);
                    break;
                case "--client-cpu":
                    clientCpu = Integer.parseInt(args[++i]);
                    break;
                case "--heap":
                    heap = args[++i];
                    break;
                case "--rt":
                    rt = true;
                    break;
                case "--classes":
                    classes = args[++i];
                    break;
                case "--cp42":
                    cp42 = readClassPath(args[++i]);
                    break;
                case "--cp41":
                    cp41 = readClassPath(args[++i]);
                    break;
                case "--out":
                    out = args[++i];
                    break;
                case "--logs":
                    logDir = args[++i];
                    break;
                case "--rcvbuf": {
                    String[] kv = args[++i].split("=", 2);
                    rcvbuf.put(kv[0], kv[1]);
                    break;
                }
                case "--server-jvm-arg": {
                    String[] kv = args[++i].split("=", 2);
                    serverJvmArgs.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv[1]);
                    break;
                }
                case "--note":
                    notes.add(args[++i]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a + " (see EchoBenchmark javadoc / README)");
            }
        }
        if (classes == null) {
            classes = new File(EchoBenchmark.class.getProtectionDomain().getCodeSource().getLocation().getPath()).getPath();
        }
        if (cp42 == null) {
            cp42 = System.getProperty("java.class.path");
        }
        if (logDir == null) {
            logDir = "benchmarks/target/echo-logs";
        }
    }

    private static String readClassPath(String fileOrPath) throws IOException {
        File f = new File(fileOrPath);
        if (f.isFile()) {
            return new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8).trim();
        }
        return fileOrPath;
    }

    private List<Row> rows() {
        List<Row> all = new ArrayList<>();
        for (String mode : new String[] {"pingpong", "stream"}) {
            for (int size : new int[] {64, 16384}) {
                for (int conns : new int[] {1, 64}) {
                    all.add(new Row(mode, size, conns));
                }
            }
        }
        if (rowsSpec == null) {
            return all;
        }
        List<Row> sel = new ArrayList<>();
        for (String spec : rowsSpec.split(",")) {
            String[] p = spec.split(":");
            sel.add(new Row(p[0], Integer.parseInt(p[1]), Integer.parseInt(p[2])));
        }
        return sel;
    }

    private List<String> jvm(int cpu, String classPath, List<String> extraJvmArgs, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("taskset");
        cmd.add("-c");
        cmd.add(Integer.toString(cpu));
        if (rt) {
            cmd.add("chrt");
            cmd.add("-r");
            cmd.add("1");
        }
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(
                "-Xms" + heap, "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:+AlwaysPreTouch",
                "-Dio.netty.leakDetection.level=disabled"));
        cmd.addAll(extraJvmArgs);
        cmd.addAll(Arrays.asList("-cp", classPath, mainClass));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    private static void log(String s) {
        System.err.println("[echo " + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("HH:mm:ss"))
                + "] " + s);
    }

    private void startServers() throws Exception {
        for (String t : transports) {
            Server s = new Server(t);
            servers.add(s);
            String cp;
            // "name-label" runs transport "name" under another column, e.g. with --rcvbuf name-label=...
            String base = t.contains("-") ? t.substring(0, t.indexOf('-')) : t;
            if (base.equals("incubator")) {
                if (cp41 == null || cp41.isEmpty()) {
                    s.unavailable = "no Netty 4.1 class path (--cp41)";
                    continue;
                }
                cp = classes + File.pathSeparator + cp41;
            } else {
                cp = classes + File.pathSeparator + cp42;
            }
            File logFile = new File(logDir, "server-" + t + ".log");
            List<String> extra = new ArrayList<>(serverJvmArgs.getOrDefault(t, List.of()));
            String spec = rcvbuf.get(t);
            if (spec != null) {
                extra.add("-Decho.rcvbuf=" + spec);
            }
            s.child = new Child("server-" + t, jvm(serverCpu, cp, extra, EchoServer.class.getName(), base), logFile);
            children.add(s.child);
            String l;
            while ((l = s.child.await(30_000, "PORT", "DESC", "UNAVAILABLE")) != null && l.startsWith("DESC")) {
                s.desc = l.substring(5);
            }
            if (l == null || !l.startsWith("PORT")) {
                s.unavailable = l == null ? "did not start within 30 s (see " + logFile + ")"
                        : l.startsWith("UNAVAILABLE") ? l.substring(12) : "exited at start (see " + logFile + ")";
                s.child.process.destroyForcibly();
                log("server " + t + " not available: " + s.unavailable);
                continue;
            }
            s.port = Integer.parseInt(l.substring(5).trim());
            log("server " + t + " (" + s.desc + ") on 127.0.0.1:" + s.port + ", pid " + s.child.process.pid());
        }
    }

    private void startClient() throws Exception {
        String cp = classes + File.pathSeparator + cp42;
        client = new Child("client", jvm(clientCpu, cp, List.of(), EchoClient.class.getName()), new File(logDir, "client.log"));
        children.add(client);
        String l = client.await(30_000, "READY");
        if (l == null || !l.equals("READY")) {
            throw new IllegalStateException("client did not start (see " + logDir + "/client.log)");
        }
    }

    /** Runs one cell; null if it failed. */
    private Sample cell(Server s, Row row, long warm, long measure) throws Exception {
        if (!s.usable()) {
            if (s.unavailable == null) {
                s.unavailable = "server process died (see " + logDir + "/server-" + s.transport + ".log)";
                log(s.transport + ": " + s.unavailable);
            }
            return null;
        }
        if (!client.process.isAlive()) {
            startClient();
        }
        client.send("run 127.0.0.1 " + s.port + " " + row.mode + " " + row.size + " " + row.conns + " " + warm
                + " " + measure);
        String l = client.await(warm + 30_000, "MEASURING", "ERROR", "EOF");
        if (l == null || !l.equals("MEASURING")) {
            return failed(s, row, l);
        }
        long sc0 = s.child.cpuTicks();
        long cc0 = client.cpuTicks();
        long n0 = System.nanoTime();
        l = client.await(measure + 30_000, "MEASURED", "ERROR", "EOF");
        long sc1 = s.child.cpuTicks();
        long cc1 = client.cpuTicks();
        long n1 = System.nanoTime();
        if (l == null || !l.equals("MEASURED")) {
            return failed(s, row, l);
        }
        l = client.await(30_000, "RESULT", "ERROR", "EOF");
        if (l == null || !l.startsWith("RESULT")) {
            return failed(s, row, l);
        }
        String done = client.await(30_000, "DONE", "EOF");
        if (done == null || !done.equals("DONE")) {
            return failed(s, row, done);
        }
        String[] r = l.split(" ");
        long msgs = Long.parseLong(r[1]);
        long bytes = Long.parseLong(r[2]);
        double secs = Long.parseLong(r[3]) / 1e9;
        long errors = Long.parseLong(r[4]);
        double wall = (n1 - n0) / 1e9;
        double rate = row.stream() ? bytes / secs / (1024.0 * 1024.0) : msgs / secs;
        double scpu = sc0 < 0 || sc1 < 0 ? Double.NaN : 100.0 * (sc1 - sc0) / TICKS_PER_SECOND / wall;
        double ccpu = cc0 < 0 || cc1 < 0 ? Double.NaN : 100.0 * (cc1 - cc0) / TICKS_PER_SECOND / wall;
        if (errors > 0) {
            log(s.transport + " " + row + ": " + errors + " connection error(s) during the cell");
        }
        s.failuresInARow = 0;
        // give the server a moment to reap the closed connections before the next cell
        Thread.sleep(quick ? 50 : 200);
        double cpuSeconds = sc0 < 0 || sc1 < 0 ? Double.NaN : (sc1 - sc0) / TICKS_PER_SECOND * (secs / wall);
        double cost = row.stream()
                ? (bytes == 0 ? Double.NaN : cpuSeconds / (bytes / (1024.0 * 1024.0 * 1024.0)))
                : (msgs == 0 ? Double.NaN : cpuSeconds * 1e6 / msgs);
        double[] pct = {Double.NaN, Double.NaN, Double.NaN};
        if (!row.stream() && r.length >= 8) {
            for (int i = 0; i < 3; i++) {
                pct[i] = Long.parseLong(r[5 + i]) / 1000.0;
            }
        }
        return new Sample(rate, scpu, ccpu, errors, cost, pct[0], pct[1], pct[2]);
    }

    private Sample failed(Server s, Row row, String line) throws Exception {
        log(s.transport + " " + row + ": cell failed: " + (line == null ? "timeout" : line));
        if (++s.failuresInARow >= 3 && s.unavailable == null) {
            s.unavailable = "stopped after 3 failed cells in a row, last: " + row + " "
                    + (line == null ? "timeout" : line) + " (see " + logDir + ")";
            log(s.transport + ": " + s.unavailable);
        }
        if (line == null || line.equals("EOF")) {
            // the client is wedged or gone: start a new one
            client.process.destroyForcibly();
            client.process.waitFor(5, TimeUnit.SECONDS);
            startClient();
        } else {
            client.await(30_000, "DONE", "EOF");
        }
        return null;
    }

    private void run() throws Exception {
        new File(logDir).mkdirs();
        List<Row> rows = rows();
        ZonedDateTime start = ZonedDateTime.now(ZoneOffset.UTC);
        String loadStart = loadavg();
        long cellsTotal = (long) rows.size() * transports.size() * reps;
        log("rows " + rows.size() + " x transports " + transports.size() + " x reps " + reps + " = " + cellsTotal
                + " cells of " + (warmupMs + measureMs) + " ms (+ global warm-up " + globalWarmupMs + " ms per transport)");
        startServers();
        startClient();

        if (globalWarmupMs > 0) {
            for (Server s : servers) {
                if (s.usable()) {
                    log("warm-up " + s.transport);
                    cell(s, new Row("pingpong", 64, 64), 0, globalWarmupMs / 2);
                    cell(s, new Row("stream", 16384, 64), 0, globalWarmupMs / 2);
                }
            }
        }

        Map<String, Map<String, List<Sample>>> results = new LinkedHashMap<>();
        long done = 0;
        for (Row row : rows) {
            Map<String, List<Sample>> perTransport = new LinkedHashMap<>();
            for (String t : transports) {
                perTransport.put(t, new ArrayList<>());
            }
            results.put(row.toString(), perTransport);
            for (int rep = 0; rep < reps; rep++) {
                for (int k = 0; k < servers.size(); k++) {
                    Server s = servers.get((k + rep) % servers.size()); // rotate the order each repetition
                    Sample sample = cell(s, row, warmupMs, measureMs);
                    done++;
                    if (sample != null) {
                        perTransport.get(s.transport).add(sample);
                        log(String.format(Locale.ROOT, "[%d/%d] %-9s %-9s %5d B x %2d: %,12.1f %s  server %3.0f%% client %3.0f%%",
                                done, cellsTotal, s.transport, row.mode, row.size, row.conns, sample.rate, row.unit(),
                                sample.serverCpu, sample.clientCpu));
                    }
                }
            }
        }
        String loadEnd = loadavg();
        ZonedDateTime end = ZonedDateTime.now(ZoneOffset.UTC);

        for (Child c : children) {
            c.stop();
        }

        String report = report(rows, results, start, end, loadStart, loadEnd);
        System.out.println(report);
        if (out != null) {
            Path p = Paths.get(out);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            try (Writer w = Files.newBufferedWriter(p, StandardCharsets.UTF_8)) {
                w.write(report);
            }
            log("report written to " + p);
        }
    }

    private String report(List<Row> rows, Map<String, Map<String, List<Sample>>> results, ZonedDateTime start,
                          ZonedDateTime end, String loadStart, String loadEnd) {
        StringBuilder sb = new StringBuilder();
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'");
        sb.append("## Loopback echo benchmark, ").append(start.format(f)).append(" to ")
                .append(end.format(DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'"))).append(quick ? " (--quick)" : "")
                .append("\n\n");
        sb.append("- Machine: ").append(uname()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs visible to the driver; Java ").append(System.getProperty("java.version")).append("\n");
        sb.append("- Servers on CPU ").append(serverCpu).append(", client on CPU ").append(clientCpu)
                .append(" (taskset").append(rt ? ", SCHED_RR" : "").append("), one I/O thread each; client = Netty 4.2 epoll, TCP_NODELAY\n");
        sb.append("- Per cell: ").append(warmupMs).append(" ms warm-up + ").append(measureMs).append(" ms measured; ")
                .append(reps).append(" repetition(s) per row, transports interleaved (order rotated each repetition); medians shown\n");
        sb.append("- Load average at start / end: ").append(loadStart).append(" / ").append(loadEnd).append("\n");
        for (Server s : servers) {
            sb.append("- `").append(s.transport).append("`: ")
                    .append(s.unavailable != null && s.port < 0 ? "NOT RUN: " + s.unavailable : s.desc);
            if (s.unavailable != null && s.port >= 0) {
                sb.append("; ").append(s.unavailable);
            }
            if (rcvbuf.containsKey(s.transport)) {
                sb.append("; RCVBUF_ALLOCATOR overridden: ").append(rcvbuf.get(s.transport));
            } else if (s.transport.startsWith("incubator")) {
                sb.append("; RCVBUF_ALLOCATOR adaptive:1024:2048:65536 (it stalls with the default, see README)");
            }
            sb.append("\n");
        }
        for (String n : notes) {
            sb.append("- ").append(n).append("\n");
        }
        sb.append("\npingpong = request/response, one message in flight per connection (msg/s = round trips/s, all connections); ")
                .append("stream = client writes continuously, server echoes, MiB/s echoed back to the client.\n\n");

        medianTable(sb, rows, results, 0, false);

        sb.append("\nSpread (min-max as % of the median) and server / client CPU (% of one core, median):\n\n");
        sb.append("| mode | msg | conns |");
        for (String t : transports) {
            sb.append(' ').append(t).append(" spread | ").append(t).append(" CPU srv/cli |");
        }
        sb.append("\n|---|---:|---:|");
        for (int i = 0; i < transports.size(); i++) {
            sb.append("---:|---:|");
        }
        sb.append('\n');
        for (Row row : rows) {
            Map<String, List<Sample>> m = results.get(row.toString());
            sb.append("| ").append(row.mode).append(" | ").append(row.sizeLabel()).append(" | ").append(row.conns).append(" |");
            for (String t : transports) {
                List<Sample> l = m.get(t);
                if (l.isEmpty()) {
                    sb.append(" n/a | n/a |");
                    continue;
                }
                double med = median(l, 0);
                double min = l.stream().mapToDouble(x -> x.rate).min().getAsDouble();
                double max = l.stream().mapToDouble(x -> x.rate).max().getAsDouble();
                long errs = l.stream().mapToLong(x -> x.errors).sum();
                sb.append(String.format(Locale.ROOT, " %.0f%% (n=%d)%s | %.0f / %.0f |",
                        med == 0 ? 0 : 100 * (max - min) / med, l.size(), errs > 0 ? " errors=" + errs : "",
                        median(l, 1), median(l, 2)));
            }
            sb.append('\n');
        }

        pairedRatioTable(sb, rows, results);

        sb.append("\nServer CPU cost (median; lower is better): CPU microseconds per message for pingpong, ")
                .append("CPU seconds per GiB echoed for stream; whole server process, measured window only:\n\n");
        medianTable(sb, rows, results, 3, true);
        latencyTable(sb, rows, results);
        return sb.toString();
    }

    /**
     * Pingpong round-trip latency, as the client saw it (send to the echo's last byte, HdrHistogram over the
     * measured window): p50 / p99 / p99.9 in microseconds, each the median over the repetitions.
     */
    private void latencyTable(StringBuilder sb, List<Row> rows, Map<String, Map<String, List<Sample>>> results) {
        sb.append("\nPingpong round-trip latency seen by the client, microseconds, p50 / p99 / p99.9 (each the median ")
                .append("of the repetitions; lower is better):\n\n| mode | msg | conns |");
        for (String t : transports) {
            sb.append(' ').append(t).append(" |");
        }
        sb.append("\n|---|---:|---:|");
        for (int i = 0; i < transports.size(); i++) {
            sb.append("---:|");
        }
        sb.append('\n');
        for (Row row : rows) {
            if (row.stream()) {
                continue;
            }
            Map<String, List<Sample>> m = results.get(row.toString());
            sb.append("| ").append(row.mode).append(" | ").append(row.sizeLabel()).append(" | ").append(row.conns)
                    .append(" |");
            for (String t : transports) {
                double p50 = median(m.get(t), 4);
                sb.append(Double.isNaN(p50) ? " n/a |" : String.format(Locale.ROOT, " %.0f / %.0f / %.0f |", p50,
                        median(m.get(t), 5), median(m.get(t), 6)));
            }
            sb.append('\n');
        }
    }

    /**
     * One Markdown table of medians (what: 0 rate, 3 server cost) with a column "X / io_uring" for every
     * getbuf variant X.
     */
    private void medianTable(StringBuilder sb, List<Row> rows, Map<String, Map<String, List<Sample>>> results,
                             int what, boolean cost) {
        List<String> ratios = new ArrayList<>();
        if (transports.contains("io_uring")) {
            for (String t : transports) {
                if (t.equals("getbuf") || t.startsWith("getbuf-")) {
                    ratios.add(t);
                }
            }
        }
        sb.append("| mode | msg | conns | unit |");
        for (String t : transports) {
            sb.append(' ').append(t).append(" |");
        }
        for (String t : ratios) {
            sb.append(' ').append(t).append(" / io_uring |");
        }
        sb.append("\n|---|---:|---:|---|");
        for (int i = 0; i < transports.size() + ratios.size(); i++) {
            sb.append("---:|");
        }
        sb.append('\n');
        for (Row row : rows) {
            Map<String, List<Sample>> m = results.get(row.toString());
            String unit = cost ? (row.stream() ? "CPU-s/GiB" : "CPU-us/msg") : row.unit();
            sb.append("| ").append(row.mode).append(" | ").append(row.sizeLabel()).append(" | ").append(row.conns)
                    .append(" | ").append(unit).append(" |");
            for (String t : transports) {
                double v = median(m.get(t), what);
                sb.append(' ').append(Double.isNaN(v) ? "n/a"
                        : cost ? String.format(Locale.ROOT, "%.2f", v) : fmt(v, row)).append(" |");
            }
            for (String t : ratios) {
                double g = median(m.get(t), what);
                double u = median(m.get("io_uring"), what);
                sb.append(' ').append(Double.isNaN(g) || Double.isNaN(u) || u == 0 ? "n/a"
                        : String.format(Locale.ROOT, cost ? "%.2f" : "**%.2f**", g / u)).append(" |");
            }
            sb.append('\n');
        }
    }

    /**
     * The ratio to io_uring per repetition (both cells ran in the same repetition, a few seconds
     * apart, so they share the machine's state): median, min-max, and in how many repetitions the
     * getbuf variant was at least as fast. Tells a difference from the machine's noise better than
     * the ratio of medians.
     */
    private void pairedRatioTable(StringBuilder sb, List<Row> rows, Map<String, Map<String, List<Sample>>> results) {
        List<String> variants = new ArrayList<>();
        for (String t : transports) {
            if (transports.contains("io_uring") && (t.equals("getbuf") || t.startsWith("getbuf-"))) {
                variants.add(t);
            }
        }
        if (variants.isEmpty()) {
            return;
        }
        sb.append("\nPer-repetition ratio to io_uring (cells of the same repetition): median (min-max), ")
                .append("repetitions at >= 1.0:\n\n| mode | msg | conns |");
        for (String t : variants) {
            sb.append(' ').append(t).append(" / io_uring |");
        }
        sb.append("\n|---|---:|---:|");
        for (int i = 0; i < variants.size(); i++) {
            sb.append("---|");
        }
        sb.append('\n');
        for (Row row : rows) {
            Map<String, List<Sample>> m = results.get(row.toString());
            sb.append("| ").append(row.mode).append(" | ").append(row.sizeLabel()).append(" | ").append(row.conns).append(" |");
            List<Sample> base = m.get("io_uring");
            for (String t : variants) {
                List<Sample> l = m.get(t);
                if (l.size() != base.size()) {
                    sb.append(" n/a (cells missing) |"); // repetitions would pair up wrongly
                    continue;
                }
                int n = l.size();
                double[] r = new double[n];
                int k = 0;
                int atLeast = 0;
                for (int i = 0; i < n; i++) {
                    if (base.get(i).rate > 0) {
                        r[k] = l.get(i).rate / base.get(i).rate;
                        atLeast += r[k] >= 1.0 ? 1 : 0;
                        k++;
                    }
                }
                if (k == 0) {
                    sb.append(" n/a |");
                    continue;
                }
                r = Arrays.copyOf(r, k);
                Arrays.sort(r);
                double med = k % 2 == 1 ? r[k / 2] : (r[k / 2 - 1] + r[k / 2]) / 2;
                sb.append(String.format(Locale.ROOT, " %.2f (%.2f-%.2f), %d/%d |", med, r[0], r[k - 1], atLeast, k));
            }
            sb.append('\n');
        }
    }

    private static String fmt(double v, Row row) {
        return row.stream() ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%,.0f", v);
    }

    /** what: 0 rate, 1 server CPU, 2 client CPU, 3 server cost. */
    private static double median(List<Sample> l, int what) {
        if (l == null || l.isEmpty()) {
            return Double.NaN;
        }
        double[] v = new double[l.size()];
        for (int i = 0; i < v.length; i++) {
            Sample s = l.get(i);
            v[i] = what == 0 ? s.rate : what == 1 ? s.serverCpu : what == 2 ? s.clientCpu : what == 3 ? s.serverCost
                    : what == 4 ? s.p50Micros : what == 5 ? s.p99Micros : s.p999Micros;
        }
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static String loadavg() {
        try {
            String[] p = new String(Files.readAllBytes(Paths.get("/proc/loadavg")), StandardCharsets.US_ASCII).split(" ");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String uname() {
        try {
            return "Linux " + new String(Files.readAllBytes(Paths.get("/proc/sys/kernel/osrelease")), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return System.getProperty("os.name") + " " + System.getProperty("os.version");
        }
    }

    private void killAll() {
        for (Child c : children) {
            if (c.process.isAlive()) {
                c.process.destroyForcibly();
            }
        }
    }
}
