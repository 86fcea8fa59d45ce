/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jars as a user on the module path gets them (run by failsafe, after {@code package}): a module of the
 * user's that requires {@code io.getbuf.transport} compiles against the public API and echoes through it, while
 * {@code io.getbuf.transport.internal} (the ring, mmap, close, raw addresses) is out of its reach, at compile time
 * and by reflection at run time.
 */
@Timeout(180)
class ModuleBoundaryIT {
    @TempDir
    static Path dir;

    private static String modulePath;

    @BeforeAll
    static void findModules() throws IOException {
        List<String> jars = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Paths.get(entry).getFileName().toString();
            boolean ours = name.startsWith("getbuf-transport-") && name.endsWith(".jar");
            boolean netty = name.matches("netty-(buffer|common|resolver|transport|transport-native-unix-common)-4[^-]*"
                    + "\\.Final\\.jar");
            if (ours || netty) {
                jars.add(entry);
            }
        }
        assertEquals(7, jars.size(), "the transport jar, its native jar and five Netty jars on " + jars);
        modulePath = String.join(File.pathSeparator, jars);
    }

    @Test
    void aUserModuleEchoesThroughThePublicApiAndCannotReachTheInternals() throws Exception {
        Path src = dir.resolve("app-src");
        write(src.resolve("module-info.java"), "module user.app { requires io.getbuf.transport; }");
        write(src.resolve("user/app/Main.java"), String.join("\n",
                "package user.app;",
                "import io.getbuf.transport.*;",
                "import io.netty.bootstrap.*;",
                "import io.netty.buffer.*;",
                "import io.netty.channel.*;",
                "import java.lang.reflect.*;",
                "import java.nio.charset.StandardCharsets;",
                "import java.util.concurrent.*;",
                "public class Main {",
                "  public static void main(String[] args) throws Exception {",
                "    GetBuf.ensureAvailability();",
                "    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());",
                "    try {",
                "      Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)",
                "          .childHandler(new ChannelInboundHandlerAdapter() {",
                "            @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {",
                "              ctx.writeAndFlush(msg);",
                "            }",
                "          }).bind(\"127.0.0.1\", 0).sync().channel();",
                "      CompletableFuture<String> echoed = new CompletableFuture<>();",
                "      Channel client = new Bootstrap().group(group).channel(GetBufSocketChannel.class)",
                "          .handler(new ChannelInboundHandlerAdapter() {",
                "            @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {",
                "              ByteBuf b = (ByteBuf) msg;",
                "              echoed.complete(b.toString(StandardCharsets.US_ASCII));",
                "              b.release();",
                "            }",
                "          }).connect(server.localAddress()).sync().channel();",
                "      client.writeAndFlush(Unpooled.copiedBuffer(\"over the module path\", StandardCharsets.US_ASCII));",
                "      System.out.println(\"echo: \" + echoed.get(30, TimeUnit.SECONDS));",
                "      client.close().sync();",
                "      server.close().sync();",
                "    } finally {",
                "      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();",
                "    }",
                "    Class<?> nat = Class.forName(\"io.getbuf.transport.internal.Native\");",
                "    System.out.println(\"exported: \" + nat.getModule().isExported(nat.getPackageName()));",
                "    Field f = nat.getField(\"IORING_OP_NOP\");",
                "    try {",
                "      f.get(null);",
                "      System.out.println(\"reflection: reached\");",
                "    } catch (IllegalAccessException expected) {",
                "      System.out.println(\"reflection: refused\");",
                "    }",
                "    try {",
                "      f.setAccessible(true);",
                "      System.out.println(\"setAccessible: allowed\");",
                "    } catch (InaccessibleObjectException expected) {",
                "      System.out.println(\"setAccessible: refused\");",
                "    }",
                "  }",
                "}"));
        Path out = dir.resolve("app");
        Compilation c = compile(src, out);
        assertEquals(0, c.status, c.diagnostics);

        List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", modulePath + File.pathSeparator + out, "-m", "user.app/user.app.Main");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(Fixtures.scaled(90), TimeUnit.SECONDS), "the child finished");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        List<String> lines = Arrays.stream(output.split("\n")).filter(l -> !l.startsWith("WARNING"))
                .collect(Collectors.toList());
        assertTrue(lines.contains("echo: over the module path"), output);
        assertTrue(lines.contains("exported: false"), output);
        assertTrue(lines.contains("reflection: refused"), output);
        assertTrue(lines.contains("setAccessible: refused"), output);
    }

    @Test
    void aUserModuleDoesNotCompileAgainstTheInternals() throws Exception {
        Path src = dir.resolve("sneaky-src");
        write(src.resolve("module-info.java"), "module user.sneaky { requires io.getbuf.transport; }");
        write(src.resolve("user/sneaky/Main.java"), String.join("\n",
                "package user.sneaky;",
                "public class Main {",
                "  public static void main(String[] args) {",
                "    System.out.println(io.getbuf.transport.internal.Native.IORING_OP_NOP);",
                "  }",
                "}"));
        Compilation c = compile(src, dir.resolve("sneaky"));
        assertNotEquals(0, c.status, "compiled against io.getbuf.transport.internal");
        assertTrue(c.diagnostics.contains("package io.getbuf.transport.internal is declared in module "
                + "io.getbuf.transport, which does not export it"), c.diagnostics);
    }

    private static final class Compilation {
        final int status;
        final String diagnostics;

        Compilation(int status, String diagnostics) {
            this.status = status;
            this.diagnostics = diagnostics;
        }
    }

    /** The JDK's javac in a process of its own (the test is compiled into the module, which does not read java.compiler). */
    private static Compilation compile(Path src, Path out) throws Exception {
        List<String> args = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "javac").toString(),
                "--module-path", modulePath, "-d", out.toString()));
        try (var files = Files.walk(src)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
        }
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String diagnostics = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(Fixtures.scaled(60), TimeUnit.SECONDS), "javac finished");
        return new Compilation(p.exitValue(), diagnostics);
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text + "\n");
    }
}
