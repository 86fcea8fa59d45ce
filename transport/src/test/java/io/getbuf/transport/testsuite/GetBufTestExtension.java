package io.getbuf.transport.testsuite;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


/**
 * Registered by {@link GetBufTest}.
 *
 * <p>Before the class: fails it if Netty's leak detector reported leaks since the last class ended; skips it when
 * getbuf cannot run here ({@link GetBufAssumptions}: a failure instead with {@code -Dgetbuf.test.requireIoUring=true}),
 * starts the shared event loop groups the class uses ({@link GetBufSocketTestPermutation#warmUp}) and records the
 * open file descriptors.
 *
 * <p>After each test: closes the channels the test left open ({@link OpenChannels}: Netty's testsuite leaves some
 * open with every transport), then notes which descriptors are new, to name the test that opened a leaked one.
 *
 * <p>After the class: waits up to {@code getbuf.test.fdSettleMillis} (default 10 s; channel closes, graceful
 * shutdowns with their 2 s quiet period and io_uring closes may still be in flight) for every descriptor opened
 * during the class to be closed again, and fails the class otherwise, listing each leaked descriptor with what it
 * points to (socket with its TCP addresses and state, anon_inode:[io_uring], anon_inode:[eventfd], pipe, file) and
 * the test after which it was first seen. See {@link FdSnapshot} for the few descriptors the JVM itself opens lazily
 * and keeps (jar files, /dev/urandom), which are not counted. It also collects garbage and fails the class for every
 * leak Netty's leak detector reports ({@link RecordingLeakDetector}, installed by the surefire configuration), with
 * the leak's access records.
 */
public final class GetBufTestExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            GetBufTestExtension.class);
    static final long SETTLE_MILLIS = Long.getLong("getbuf.test.fdSettleMillis", 10_000L);

    @Override
    public void beforeAll(ExtensionContext context) {
        GetBufTest marker = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), GetBufTest.class)
                .orElse(null);
        boolean bufferRing = marker != null && marker.bufferRing();
        List<String> before = RecordingLeakDetector.takeLeaks();
        if (!before.isEmpty()) {
            throw new AssertionFailedError(leakMessage("leaks reported before " + context.getRequiredTestClass()
                    .getSimpleName() + " started (an earlier class, or a test without @GetBufTest)", before));
        }
        if (bufferRing) {
            GetBufAssumptions.assumeBufferRing();
        } else {
            GetBufAssumptions.assumeAvailable();
        }
        if (marker == null || marker.warmUp()) {
            GetBufSocketTestPermutation.warmUp(bufferRing);
        }
        ClassState state = new ClassState(FdSnapshot.take());
        context.getStore(NAMESPACE).put(ClassState.class, state);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ClassState state = context.getStore(NAMESPACE).get(ClassState.class, ClassState.class);
        if (state == null) {
            return;
        }
        OpenChannels.closeAll();
        String test = context.getTestMethod().map(m -> {
            String name = m.getName() + "()";
            return context.getDisplayName().startsWith(m.getName()) ? name : name + ' ' + context.getDisplayName();
        }).orElse(context.getDisplayName());
        FdSnapshot now = FdSnapshot.take();
        for (Map.Entry<Integer, String> e : now.newSince(state.start).entrySet()) {
            state.firstSeen.putIfAbsent(e.getKey() + " -> " + e.getValue(), test);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        ClassState state = context.getStore(NAMESPACE).remove(ClassState.class, ClassState.class);
        if (state == null) {
            return; // skipped before the snapshot
        }
        List<String> leaks = RecordingLeakDetector.collectLeaks();
        String fds = leakedDescriptors(context, state);
        if (!leaks.isEmpty()) {
            String msg = leakMessage(context.getRequiredTestClass().getSimpleName() + " leaked", leaks);
            throw new AssertionFailedError(fds == null ? msg : msg + "\n" + fds);
        }
        if (fds != null) {
            throw new AssertionFailedError(fds);
        }
    }

    static String leakMessage(String what, List<String> leaks) {
        StringBuilder msg = new StringBuilder(what).append(' ').append(leaks.size())
                .append(" reference-counted object(s) (Netty's leak detector):");
        for (String leak : leaks) {
            msg.append("\n").append(leak);
        }
        return msg.toString();
    }

    /** Waits for the class's descriptors to be closed; a description of those that stay open, or null. */
    private static String leakedDescriptors(ExtensionContext context, ClassState state) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000L;
        FdSnapshot end;
        Map<Integer, String> leaked;
        for (;;) {
            end = FdSnapshot.take();
            leaked = end.newSince(state.start);
            if (leaked.isEmpty() || System.nanoTime() - deadline >= 0) {
                break;
            }
            Thread.sleep(50);
        }
        if (leaked.isEmpty()) {
            return null;
        }
        StringBuilder msg = new StringBuilder()
                .append(context.getRequiredTestClass().getSimpleName())
                .append(" leaked ").append(leaked.size()).append(" file descriptor(s): ")
                .append(state.start.size()).append(" open at class start, ")
                .append(end.size()).append(" open ").append(SETTLE_MILLIS).append(" ms after the class ended");
        Map<String, String> sockets = FdSnapshot.tcpSockets();
        for (Map.Entry<Integer, String> e : leaked.entrySet()) {
            String key = e.getKey() + " -> " + e.getValue();
            msg.append("\n  fd ").append(key);
            String tcp = sockets.get(e.getValue());
            if (tcp != null) {
                msg.append(" [").append(tcp).append(']');
            }
            String test = state.firstSeen.get(key);
            msg.append(test != null ? " (first seen after " + test + ')' : " (first seen after the last test)");
        }
        return msg.toString();
    }

    private static final class ClassState {
        final FdSnapshot start;
        // "fd -> target" -> display name of the test after which it was first seen
        final Map<String, String> firstSeen = new LinkedHashMap<>();

        ClassState(FdSnapshot start) {
            this.start = start;
        }
    }
}
