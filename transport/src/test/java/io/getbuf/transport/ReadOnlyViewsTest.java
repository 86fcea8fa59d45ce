/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The buffers {@link GetBufFiles#read} returns are read-only, all of them and every view of them: every method of
 * {@link ByteBuf} that writes bytes (found by reflection: {@code set*}, {@code write*}, the discards and
 * {@code ensureWritable}) throws {@link ReadOnlyBufferException} and changes nothing. A buffer of lent file pages is
 * a read-only mapping of the file: a write that reached it would crash the JVM, so this matters beyond tidiness. An NIO
 * view of such a buffer, read after the buffer was released, reads the file's bytes rather than crash.
 */
@GetBufTest(warmUp = false)
class ReadOnlyViewsTest {
    private static final int SIZE = 3 * 4096 + 17;

    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static Path file;
    private static Path source; // what channel-taking setBytes read from

    @BeforeAll
    static void setUp() throws Exception {
        GetBufAssumptions.assumeRegisteredBuffers();
        LentPages.requireGetBufWhereAsked();
        group = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        file = FileTransferTest.patternFile(dir, SIZE);
        source = dir.resolve("source");
        Files.write(source, new byte[4096]);
    }

    @AfterAll
    static void tearDown() throws Exception {
        Fixtures.shutdown(group);
    }

    /** What {@link GetBufFiles#read} returns here: lent pages with GET_BUF, a registered buffer without. */
    @Test
    void readsRefuseEveryWriteThroughEveryView() throws Exception {
        ByteBuf buf = GetBufFiles.read(group.next(), file, 0, SIZE).get(10, TimeUnit.SECONDS);
        try {
            assertEveryViewRefusesEveryWrite(buf);
        } finally {
            buf.release();
        }
    }

    /**
     * A buffer of lent pages, made here from a read-only mapping of the file in a slot of the loop's table, as
     * GET_BUF makes them (so that stock kernels run it too).
     */
    @Test
    void lentPagesRefuseEveryWriteThroughEveryView() throws Exception {
        ByteBuf buf = lentPages();
        try {
            assertEveryViewRefusesEveryWrite(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void anNioViewOfLentPagesReadAfterReleaseDoesNotCrash() throws Exception {
        ByteBuf buf = lentPages();
        ByteBuffer view = buf.nioBuffer();
        ByteBuffer internal = buf.duplicate().nioBuffer(0, SIZE);
        assertTrue(buf.release());
        System.gc(); // the mapping must not go while a view of it is reachable
        for (ByteBuffer v : new ByteBuffer[] {view, internal}) {
            for (int i = 0; i < SIZE; i += 511) {
                assertEquals(FileTransferTest.patternAt(i), v.get(i), "byte " + i + " of the view after release");
            }
        }
    }

    private static ByteBuf lentPages() throws Exception {
        EventLoop loop = group.next();
        GetBufIoHandler handler = GetBufIoHandler.handlerOf(loop);
        return loop.submit(() -> {
            RegisteredBufferTable table = handler.fileStrategies().table();
            assertTrue(table.ensureRegistered(), "a table: " + table.failure());
            int slot = table.takeEmptySlot(null);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long mapping = Native.mmapReadOnly(Native.fileChannelFd(ch), SIZE, 0);
                assertTrue(mapping > 0, "mmap: " + mapping);
                return (ByteBuf) new LentFileByteBuf(table, loop, slot, new FileMappings.Mapping(mapping, SIZE, 0),
                        mapping, SIZE);
            }
        }).get(10, TimeUnit.SECONDS);
    }

    private static void assertEveryViewRefusesEveryWrite(ByteBuf buf) throws Exception {
        List<String> wrote = new ArrayList<>();
        List<Function<ByteBuf, ByteBuf>> views = List.of(
                b -> b,
                ByteBuf::duplicate,
                ByteBuf::slice,
                b -> b.slice(1, b.capacity() - 2),
                ByteBuf::asReadOnly,
                b -> b.order(ByteOrder.LITTLE_ENDIAN),
                b -> b.duplicate().slice(7, 100),
                b -> b.slice().asReadOnly().duplicate());
        int methods = 0;
        for (int v = 0; v < views.size(); v++) {
            for (boolean retained : new boolean[] {false, true}) {
                ByteBuf view = retained ? retainedView(buf, v) : views.get(v).apply(buf);
                try {
                    for (Method m : ByteBuf.class.getMethods()) {
                        if (!writes(m)) {
                            continue;
                        }
                        methods++;
                        String outcome = tryWrite(view, m);
                        if (outcome != null) {
                            wrote.add("view " + v + (retained ? " (retained)" : "") + " " + view.getClass()
                                    .getSimpleName() + "." + signature(m) + ": " + outcome);
                        }
                    }
                } finally {
                    if (retained) {
                        view.release();
                    }
                }
            }
        }
        assertTrue(methods > 100, "found the writing methods: " + methods);
        assertEquals(List.of(), wrote, "writes that did not throw ReadOnlyBufferException");
        for (int i = 0; i < SIZE; i++) {
            if (buf.getByte(i) != FileTransferTest.patternAt(i)) {
                throw new AssertionError("byte " + i + " changed: " + buf.getByte(i));
            }
        }
    }

    private static ByteBuf retainedView(ByteBuf buf, int v) {
        switch (v) {
            case 1:
                return buf.retainedDuplicate();
            case 2:
                return buf.retainedSlice();
            case 3:
                return buf.retainedSlice(1, buf.capacity() - 2);
            default:
                return buf.retain(); // the same object, with a reference of its own
        }
    }

    /** Whether {@code m} writes bytes into the buffer (index setters only move indexes). */
    private static boolean writes(Method m) {
        if (Modifier.isStatic(m.getModifiers())) {
            return false;
        }
        String n = m.getName();
        if (n.equals("setIndex") || n.equals("writerIndex") || n.equals("writableBytes")
                || n.equals("maxWritableBytes") || n.equals("maxFastWritableBytes")) {
            return false;
        }
        if (n.equals("ensureWritable") && m.getReturnType() == int.class) {
            return false; // reports whether it could, never throws by contract
        }
        return n.startsWith("set") || n.startsWith("write") || n.startsWith("discard") || n.equals("ensureWritable");
    }

    /** Null when {@code m} threw ReadOnlyBufferException, else what it did. */
    private static String tryWrite(ByteBuf view, Method m) throws Exception {
        view.setIndex(0, 0); // room to write, so that only read-only-ness can refuse
        Object[] args = arguments(m);
        try {
            m.invoke(view, args);
            return "returned normally";
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            return t instanceof ReadOnlyBufferException ? null : t.toString();
        } finally {
            view.setIndex(0, view.capacity());
            for (Object a : args) {
                if (a instanceof ByteBuf) {
                    ((ByteBuf) a).release();
                } else if (a instanceof AutoCloseable) {
                    ((AutoCloseable) a).close();
                }
            }
        }
    }

    private static Object[] arguments(Method m) throws Exception {
        Class<?>[] types = m.getParameterTypes();
        Object[] args = new Object[types.length];
        boolean firstInt = true;
        for (int i = 0; i < types.length; i++) {
            Class<?> t = types[i];
            if (t == int.class) {
                args[i] = firstInt ? 0 : 1; // an index, then lengths and values
                firstInt = false;
            } else if (t == long.class) {
                args[i] = 0L;
            } else if (t == boolean.class) {
                args[i] = true;
            } else if (t == char.class) {
                args[i] = 'a';
            } else if (t == float.class) {
                args[i] = 1f;
            } else if (t == double.class) {
                args[i] = 1d;
            } else if (t == byte[].class) {
                args[i] = new byte[8];
            } else if (t == ByteBuf.class) {
                args[i] = Unpooled.wrappedBuffer(new byte[8]);
            } else if (t == ByteBuffer.class) {
                args[i] = ByteBuffer.allocate(8);
            } else if (t == CharSequence.class) {
                args[i] = "ab";
            } else if (t == Charset.class) {
                args[i] = StandardCharsets.UTF_8;
            } else if (t == InputStream.class) {
                args[i] = new ByteArrayInputStream(new byte[8]);
            } else if (t == ScatteringByteChannel.class || t == FileChannel.class) {
                args[i] = FileChannel.open(source, StandardOpenOption.READ);
            } else {
                throw new IllegalStateException("no argument for " + t + " of " + signature(m));
            }
        }
        return args;
    }

    private static String signature(Method m) {
        StringBuilder sb = new StringBuilder(m.getName()).append('(');
        for (Class<?> p : m.getParameterTypes()) {
            sb.append(sb.charAt(sb.length() - 1) == '(' ? "" : ", ").append(p.getSimpleName());
        }
        return sb.append(')').toString();
    }
}
