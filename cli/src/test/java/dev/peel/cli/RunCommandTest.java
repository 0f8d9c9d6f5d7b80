package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * peel run and peel debug on the catalog's presets, for real: the CLI in a child JVM (so that signals reach it and
 * the container's output can be read), as root and as an unprivileged user the test creates.
 */
class RunCommandTest {
    static Path dir;
    static Path cache;
    static Path java17;
    static Path python3;
    static Path staticDebug;
    static Path staticPlain;
    static String testUser;
    static Path userClasspath;

    @BeforeAll
    static void build() throws Exception {
        Tools.require("bwrap");
        // World-readable: the unprivileged user reads the layouts.
        dir = Files.createTempDirectory("peel-run-test-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        cache = dir.resolve("cache");
        Map<String, String> env = Map.of();
        java17 = built("java17", "java17");
        python3 = built("python3", "python3");
        staticDebug = built("static:debug", "static-debug");
        staticPlain = built("static", "static");
        if (isRoot()) {
            testUser = "peelrun" + ProcessHandle.current().pid();
            Tools.Run r = Tools.run(List.of("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", testUser), null, Map.of(), 60);
            assertEquals(0, r.exit(), r.err());
            // The child JVM's classpath, where that user can read it.
            userClasspath = dir.resolve("classpath");
            Files.createDirectories(userClasspath);
            List<String> cp = new ArrayList<>();
            int i = 0;
            for (String e : System.getProperty("java.class.path").split(":")) {
                Path src = Path.of(e);
                Path dst = userClasspath.resolve((i++) + "-" + src.getFileName());
                if (Files.isDirectory(src)) {
                    Tools.run(List.of("cp", "-r", src.toString(), dst.toString()), null, Map.of(), 60);
                } else if (Files.exists(src)) {
                    Files.copy(src, dst);
                }
                cp.add(dst.toString());
            }
            Files.writeString(userClasspath.resolve("cp"), String.join(":", cp));
            Tools.run(List.of("chmod", "-R", "a+rX", dir.toString()), null, Map.of(), 60);
            Files.createDirectories(dir.resolve("user-cache"));
            Tools.run(List.of("chown", testUser, dir.resolve("user-cache").toString()), null, Map.of(), 60).ok();
        }
    }

    private static Path built(String preset, String name) {
        Path out = dir.resolve(name);
        CliRun.Result r = CliRun.peel(System.getenv(), "--cache", cache.toString(), "build", preset, "--arch", "amd64", "-o",
                out.toString(), "-q");
        assertEquals(0, r.exit(), r.all());
        return out;
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (testUser != null) {
            Tools.run(List.of("userdel", testUser), null, Map.of(), 60);
        }
        if (dir != null) {
            for (Path c : List.of(cache, dir.resolve("user-cache"))) {
                dev.peel.io.Trees.delete(c);
            }
            Tools.run(List.of("rm", "-rf", dir.toString()), null, Map.of(), 60);
        }
    }

    static boolean isRoot() throws IOException {
        return Files.readString(Path.of("/proc/self/status")).lines().anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
    }

    record Out(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** peel with these arguments in a child JVM (as the test user when {@code user}), stdin from {@code input}. */
    static Process start(boolean user, String input, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        String cp = System.getProperty("java.class.path");
        Path c = cache;
        if (user && testUser != null) {
            cmd.addAll(List.of("runuser", "-u", testUser, "--"));
            cp = Files.readString(userClasspath.resolve("cp"));
            c = dir.resolve("user-cache");
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-cp", cp, "dev.peel.cli.Main", "--cache", c.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        return p;
    }

    static Out peel(boolean user, String input, String... args) throws Exception {
        Process p = start(user, input, args);
        var out = new java.io.ByteArrayOutputStream();
        Thread t = new Thread(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException e) {
                // The process ended.
            }
        });
        t.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "peel " + String.join(" ", args) + " did not end");
        t.join();
        return new Out(p.exitValue(), out.toString(StandardCharsets.UTF_8), err);
    }

    @Test
    void presetsRunWhatTheyHoldAsRootAndAsAnUnprivilegedUser() throws Exception {
        for (boolean user : List.of(false, true)) {
            String who = user ? "as " + testUser : "as root";
            Out j = peel(user, null, "run", java17.toString(), "--", "java", "-version");
            assertEquals(0, j.exit(), who + ": " + j.err());
            assertTrue(j.err().contains("openjdk version \"17"), who + ": " + j.err());
            Out p = peel(user, null, "run", python3.toString(), "--", "python3", "-c", "import ssl, sys; print('py', sys.version_info[0], ssl.OPENSSL_VERSION[:7])");
            assertEquals(0, p.exit(), who + ": " + p.err());
            assertEquals("py 3 OpenSSL", p.out().strip(), who);
            Out b = peel(user, "echo from-busybox $((6*7))\nexit 9\n", "run", staticDebug.toString());
            assertEquals(9, b.exit(), who + ": " + b.err());
            assertEquals("from-busybox 42", b.out().strip(), who);
            // The image's own command: python3's entrypoint is the interpreter, reading the script from stdin.
            Out e = peel(user, "import os\nprint(os.getuid(), os.getcwd(), os.environ['LANG'])\n", "run", python3.toString());
            assertEquals(0, e.exit(), who + ": " + e.err());
            assertEquals("0 / C.UTF-8", e.out().strip(), who);
        }
    }

    @Test
    void exitCodesEnvVolumesUserAndWorkdirPassThrough() throws Exception {
        Path vol = Files.createDirectories(dir.resolve("vol"));
        Files.writeString(vol.resolve("in.txt"), "from the host");
        Tools.run(List.of("chmod", "-R", "a+rwX", vol.toString()), null, Map.of(), 60);
        Out r = peel(false, null, "run", "-e", "GREETING=hello", "-v", vol + ":/data", "-u", "nonroot", "-w", "/data",
                python3.toString(), "--", "python3", "-c",
                "import os,sys; print(os.environ['GREETING'], open('in.txt').read(), os.getuid(), os.getgid(), os.getcwd(),"
                        + " os.environ['HOME']); open('out.txt','w').write('from the container'); sys.exit(42)");
        assertEquals(42, r.exit(), r.err());
        assertEquals("hello from the host 65532 65532 /data /home/nonroot", r.out().strip());
        assertEquals("from the container", Files.readString(vol.resolve("out.txt")));
        Out ro = peel(false, null, "run", "-v", vol + ":/data:ro", python3.toString(), "--", "python3", "-c",
                "open('/data/x','w')");
        assertTrue(ro.exit() != 0 && ro.err().contains("Read-only file system"), ro.err());
        Out missing = peel(false, null, "run", python3.toString(), "--", "no-such-program");
        assertEquals(127, missing.exit());
        assertTrue(missing.err().contains("no-such-program: not found"), missing.err());
        Out badVolume = peel(false, null, "run", "-v", "relative-only", python3.toString());
        assertEquals(2, badVolume.exit());
        Out noImage = peel(false, null, "run", dir.resolve("nothing-here").toString());
        assertEquals(2, noImage.exit(), noImage.err());
        assertTrue(noImage.err().contains("nothing-here"), noImage.err());
        // Writes go to an overlay: the cached tree is untouched, the next run does not see them.
        Out w = peel(false, null, "run", python3.toString(), "--", "python3", "-c", "open('/etc/written','w').write('x')");
        assertEquals(0, w.exit(), w.err());
        Out gone = peel(false, null, "run", python3.toString(), "--", "python3", "-c", "import os; print(os.path.exists('/etc/written'))");
        assertEquals("False", gone.out().strip(), gone.err());
        // --opt=value is left to picocli by the fast path: both parsers run the same line.
        Out net = peel(false, null, "run", "--network=none", python3.toString(), "--", "python3", "-c",
                "import socket; print(sorted(i[1] for i in socket.if_nameindex()))");
        assertEquals("['lo']", net.out().strip(), net.err());
        Out net2 = peel(false, null, "run", "--network", "none", python3.toString(), "--", "python3", "-c",
                "import socket; print(sorted(i[1] for i in socket.if_nameindex()))");
        assertEquals("['lo']", net2.out().strip(), net2.err());
        Out help = peel(false, null, "run", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("Usage: peel run"), help.out());
    }

    @Test
    void signalsReachTheCommandAndASecondRunDoesNotUnpack() throws Exception {
        peel(false, null, "run", python3.toString(), "--", "python3", "-c", "pass");
        Path tree;
        try (Stream<Path> s = Files.list(cache.resolve("rootfs"))) {
            tree = s.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
        Object inode = Files.getAttribute(cache.resolve("rootfs"), "unix:ino");
        Process p = start(false, null, "run", python3.toString(), "--", "python3", "-u", "-c",
                "import signal, sys, time\n"
                        + "def bye(n, f):\n    print('handler: got', signal.Signals(n).name, flush=True)\n    sys.exit(3)\n"
                        + "signal.signal(signal.SIGTERM, bye)\nprint('ready', flush=True)\ntime.sleep(120)\n");
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", reader.readLine());
        long t0 = System.nanoTime();
        // SIGTERM to peel itself, as a supervisor would send it.
        Tools.run(List.of("kill", "-TERM", Long.toString(p.pid())), null, Map.of(), 30);
        assertEquals("handler: got SIGTERM", reader.readLine());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60));
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertFalse(err.contains("unpacking"), err);
        assertEquals(inode, Files.getAttribute(cache.resolve("rootfs"), "unix:ino"));
        assertTrue(Files.isDirectory(tree));
        try (Stream<Path> s = Files.list(cache.resolve("run"))) {
            assertEquals(List.of(), s.filter(x -> !x.getFileName().toString().startsWith(".host-")).toList(),
                    "a run's overlay was left behind");
        }
    }

    @Test
    void debugGivesAShellWithTheToolboxAndLeavesTheImageAlone() throws Exception {
        String before = Files.readString(staticPlain.resolve("index.json"));
        String digestsBefore = blobs(staticPlain);
        Out d = peel(false, "ls /etc/ssl/certs\nls -d /busybox 2>&1 || echo no-busybox\necho $PATH\ntouch /etc/kept\n",
                "debug", "--keep", dir.resolve("kept").toString(), staticPlain.toString());
        assertEquals(0, d.exit(), d.err());
        assertTrue(d.out().contains("ca-certificates.crt"), d.out());
        assertTrue(d.out().contains("no-busybox"), d.out());
        assertTrue(d.out().contains("/.peel/bin:"), d.out());
        assertTrue(Files.exists(dir.resolve("kept/upper/etc/kept")), d.err());
        assertTrue(d.err().contains("the container's writes are in"), d.err());
        assertEquals(before, Files.readString(staticPlain.resolve("index.json")));
        assertEquals(digestsBefore, blobs(staticPlain));
        Out again = peel(false, null, "run", staticDebug.toString(), "--", "/busybox/sh", "-c", "ls /.peel /etc/kept 2>&1; echo done");
        assertTrue(again.out().contains("done") && again.out().contains("No such file"), again.out());
        // A preset's name (or a spec file) is built for this machine first, then run.
        // (Not "static": the test's folder has a layout of that name, which is what a path names first.)
        Out preset = peel(false, "ls /etc/ssl/certs\n", "debug", "static-debian12");
        assertEquals(0, preset.exit(), preset.err());
        assertTrue(preset.out().contains("ca-certificates.crt") && preset.err().contains("building static-debian12"),
                preset.all());
        Out none = peel(false, null, "run", "no-such-preset");
        assertEquals(2, none.exit(), none.err());
        assertTrue(none.err().contains("no-such-preset does not exist"), none.err());
        Out cmd = peel(false, null, "debug", staticPlain.toString(), "--", "cat", "/etc/os-release");
        assertEquals(0, cmd.exit(), cmd.err());
        assertTrue(cmd.out().contains("VERSION_CODENAME=bookworm"), cmd.out());
    }

    @Test
    void anotherArchNeedsABinfmtHandlerAndUserNamespacesMustBeAllowed() throws Exception {
        Path arm = dir.resolve("static-arm64");
        CliRun.Result b = CliRun.peel(System.getenv(), "--cache", cache.toString(), "build", "static:debug", "--arch", "arm64",
                "-o", arm.toString(), "-q");
        assertEquals(0, b.exit(), b.all());
        Out r = peel(false, null, "run", arm.toString(), "--", "/busybox/true");
        if (Files.exists(Path.of("/proc/sys/fs/binfmt_misc/qemu-aarch64"))) {
            assertEquals(0, r.exit(), r.err());
        } else {
            assertEquals(125, r.exit(), r.err());
            assertTrue(r.err().contains("linux/arm64") && r.err().contains("binfmt_misc"), r.err());
        }
        // User namespaces switched off for everyone (root too): a clear message, nothing run. Root only, restored after.
        Path max = Path.of("/proc/sys/user/max_user_namespaces");
        if (testUser == null || !Files.isWritable(max)) {
            return;
        }
        String was = Files.readString(max).strip();
        try {
            Files.writeString(max, "0");
            Out off = peel(false, null, "--cache", dir.resolve("userns-off-cache").toString(), "run", python3.toString(),
                    "--", "python3", "-c", "pass");
            assertEquals(125, off.exit(), off.err());
            assertTrue(off.err().contains("user namespace"), off.err());
        } finally {
            Files.writeString(max, was);
        }
    }

    @Test
    void structureCommandTestsRunInTheSandboxEachInAFreshFilesystem() throws Exception {
        Path suite = dir.resolve("commands.yaml");
        Files.writeString(suite, """
                schemaVersion: 2.0.0
                globalEnvVars:
                  - {key: GREETING, value: hello}
                commandTests:
                  - name: env reaches the command
                    command: python3
                    args: ["-c", "import os; print(os.environ['GREETING'], os.environ['X'], os.getuid())"]
                    envVars: [{key: X, value: world}]
                    expectedOutput: ["^hello world 0\\n$"]
                  - name: setup's writes are seen by the command and teardown
                    setup: [["python3", "-c", "open('/etc/marker','w').write('from setup')"]]
                    command: python3
                    args: ["-c", "print(open('/etc/marker').read())"]
                    teardown: [["python3", "-c", "import os; os.remove('/etc/marker')"]]
                    expectedOutput: ["from setup"]
                  - name: each test starts from the image
                    command: python3
                    args: ["-c", "import os, sys; sys.exit(5 if os.path.exists('/etc/marker') else 0)"]
                  - name: exit code and stderr
                    command: python3
                    args: ["-c", "import sys; sys.stderr.write('bad'); sys.exit(3)"]
                    exitCode: 3
                    expectedError: ["bad"]
                    excludedOutput: [".+"]
                  - name: this one fails
                    command: python3
                    args: ["-c", "print('unwanted')"]
                    excludedOutput: ["unwanted"]
                """);
        Path junit = dir.resolve("junit.xml");
        Out r = peel(false, null, "test", "--junit", junit.toString(), python3.toString(), suite.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("Passes:      4") && r.out().contains("Failures:    1"), r.out());
        assertTrue(r.out().contains("=== RUN: Command Test: this one fails\n--- FAIL"), r.out());
        assertTrue(r.out().contains("Excluded string 'unwanted' found in output"), r.out());
        assertTrue(Files.readString(junit).contains("failures=\"1\""), Files.readString(junit));
    }

    @Test
    void anImageRunsStraightFromARegistry() throws Exception {
        try (dev.peel.testing.RegistryServer registry = dev.peel.testing.RegistryServer.start(dir.resolve("registry"))) {
            CliRun.Result pushed = CliRun.peel(System.getenv(), "--cache", cache.toString(), "push", staticDebug.toString(),
                    registry.host() + "/tools:1", "-q");
            assertEquals(0, pushed.exit(), pushed.all());
            Out r = peel(false, null, "run", registry.host() + "/tools:1", "--", "/busybox/sh", "-c", "echo from-registry");
            assertEquals(0, r.exit(), r.err());
            assertEquals("from-registry", r.out().strip());
            Out missing = peel(false, null, "run", registry.host() + "/tools:2");
            assertEquals(125, missing.exit(), missing.err());
            assertTrue(missing.err().contains("tools:2"), missing.err());
        }
    }

    private static String blobs(Path layout) throws IOException {
        try (Stream<Path> s = Files.list(layout.resolve("blobs/sha256"))) {
            return String.join(",", s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aHostileImageIsRefusedNamingItsEntryAndLeavesNoTree() throws Exception {
        byte[] bad = tar("etc", '2', "/", "evil/../../x", '0', "");
        Path layout = dir.resolve("hostile");
        dev.peel.image.Image image = dev.peel.run.HostileImages.image(dir.resolve("hostile-blobs"), List.of(bad), null,
                new dev.peel.oci.ImageConfig.Container(null, null, null, List.of("/x"), null, null, null, null, null));
        new dev.peel.layout.LayoutWriter(layout).write(image, List.of());
        Out r = peel(false, null, "run", layout.toString());
        assertEquals(125, r.exit(), r.err());
        assertTrue(r.err().contains("entry evil/../../x"), r.err());
        try (Stream<Path> s = Files.list(cache.resolve("rootfs"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".unpack-")));
        }
    }

    /** A tar of (name, type, link) triples, no content. */
    private static byte[] tar(Object... e) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < e.length; i += 3) {
            byte[] h = new byte[512];
            put(h, 0, (String) e[i]);
            put(h, 100, "0000755");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, "00000000000");
            put(h, 136, "00000000000");
            h[156] = (byte) (char) e[i + 1];
            put(h, 157, (String) e[i + 2]);
            put(h, 257, "ustar");
            put(h, 263, "00");
            java.util.Arrays.fill(h, 148, 156, (byte) ' ');
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, String.format("%06o", sum) + "\0 ");
            out.write(h);
        }
        out.write(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
