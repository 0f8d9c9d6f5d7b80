package dev.peel.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.build.Build;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.build.Resolution;
import dev.peel.cache.Cache;
import dev.peel.debian.Lock;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped presets, built for amd64 from the real mirror, unpacked and run. */
class PresetsIntegrationTest {
    @TempDir
    static Path tmp;
    static Cache cache;

    @BeforeAll
    static void setUp() {
        cache = new Cache(tmp.resolve("cache"));
    }

    static BuildOptions options() {
        return new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(cache, System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now()));
    }

    static Spec preset(String name, Path dir) throws Exception {
        Files.createDirectories(dir);
        return SpecParser.parsePreset(name, dir).withArchs(List.of("amd64"));
    }

    static Build.Result build(Spec s, Path out) throws Exception {
        return new Build(s, options()).run(Outputs.layout(out));
    }

    static Path rootfs(String name, Build.Result r, Path out) throws Exception {
        return InstallIntegrationTest.unpack(out, r, "amd64", tmp.resolve("bundle-" + name.replace(':', '-')));
    }

    /** Runs the image's entrypoint + args as its config says (user, workdir, env), in a user namespace. */
    static String run(Build.Result r, Path rootfs, String... args) throws Exception {
        Image img = r.images().get(0);
        var c = img.config().config();
        String user = c.user() == null || c.user().isEmpty() ? "0" : c.user();
        List<String> cmd = new ArrayList<>(List.of(Tools.script("userns-run.sh").toString(), rootfs.toString(),
                user + ":" + user, c.workingDir() == null || c.workingDir().isEmpty() ? "/" : c.workingDir()));
        cmd.addAll(c.env());
        cmd.add("--");
        cmd.addAll(c.entrypoint());
        cmd.addAll(List.of(args));
        return Tools.run(cmd, null, Map.of(), 120).ok().out();
    }

    /**
     * Runs {@code cmd} in {@code root} as root in a user and PID namespace, with the image's environment, a /proc
     * and the host's /dev, as a runtime starts a container.
     */
    static String runWithProc(Path root, List<String> env, List<String> cmd) throws Exception {
        return dev.peel.testing.Rootfs.runWithProc(root, env, cmd);
    }

    /** A preset built once for amd64 and unpacked, shared by the tests of this class. */
    record Built(Build.Result result, Path layout, Path rootfs) {
        dev.peel.oci.ImageConfig.Container config() {
            return result.images().get(0).config().config();
        }
    }

    static final Map<String, Built> BUILT = new java.util.HashMap<>();

    static synchronized Built built(String name) throws Exception {
        Built b = BUILT.get(name);
        if (b == null) {
            Path dir = tmp.resolve("shared-" + name.replace(':', '-'));
            Build.Result r = build(preset(name, dir), dir.resolve("out"));
            b = new Built(r, dir.resolve("out"), rootfs("shared-" + name, r, dir.resolve("out")));
            BUILT.put(name, b);
        }
        return b;
    }

    /** Runs {@code entrypoint} + args as {@link #run} does, in place of the image's entrypoint. */
    static String run(Build.Result r, Path rootfs, List<String> entrypoint, String... args) throws Exception {
        var c = r.images().get(0).config().config();
        String user = c.user() == null || c.user().isEmpty() ? "0" : c.user();
        List<String> cmd = new ArrayList<>(List.of(Tools.script("userns-run.sh").toString(), rootfs.toString(),
                user + ":" + user, c.workingDir() == null || c.workingDir().isEmpty() ? "/" : c.workingDir()));
        cmd.addAll(c.env());
        cmd.add("--");
        cmd.addAll(entrypoint);
        cmd.addAll(List.of(args));
        return Tools.run(cmd, null, Map.of(), 120).ok().out();
    }

    @Test
    void staticHasDistrolessFilesTheCaBundleAndItsOsRelease() throws Exception {
        Path dir = tmp.resolve("static");
        Build.Result r = build(preset("static", dir), dir.resolve("out"));
        Image img = r.images().get(0);
        long compressed = img.layers().stream().mapToLong(Layer::size).sum();
        assertTrue(compressed <= 850_000, "static is at most 0.85 MB gzip per arch, not " + compressed);
        Path root = rootfs("static", r, dir.resolve("out"));
        assertEquals("root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
                + "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n", Files.readString(root.resolve("etc/passwd")));
        assertEquals("root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n", Files.readString(root.resolve("etc/group")));
        assertTrue(Files.readString(root.resolve("etc/nsswitch.conf")).contains("hosts:          files dns"));
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("tmp"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("root"))));
        assertEquals(65532, (int) Files.getAttribute(root.resolve("home/nonroot"), "unix:uid"));
        assertTrue(r.images().get(0).config().config().env().contains("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"));

        String osRelease = Files.readString(root.resolve("usr/lib/os-release"));
        assertTrue(osRelease.startsWith("PRETTY_NAME=\"Distroless\"\n"), osRelease);
        assertTrue(osRelease.contains("\nID=debian\n") && osRelease.contains("VERSION_ID=\"12\"") && osRelease.contains("VERSION_CODENAME=bookworm"),
                osRelease);
        assertTrue(Files.isSymbolicLink(root.resolve("etc/os-release")));

        // The bundle is what update-ca-certificates writes: every certificate of the package, in C order.
        Spec s = preset("static", dir);
        Lock lock = Resolution.locked(s, s.archs(), System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now(), cache);
        Lock.LockedPackage ca = lock.archs().get("amd64").stream().filter(p -> p.name().equals("ca-certificates")).findFirst().orElseThrow();
        Path x = Files.createDirectories(tmp.resolve("ca-x"));
        Tools.run("dpkg-deb", "-x", cache.file("debs", ca.sha256()).orElseThrow().toString(), x.toString()).ok();
        String expected = Tools.run("sh", "-c", "cd " + x + "/usr/share/ca-certificates && find . -name '*.crt' | LC_ALL=C sort"
                + " | while read f; do sed -e '$a\\' \"$f\"; done").ok().out();
        String bundle = Files.readString(root.resolve("etc/ssl/certs/ca-certificates.crt"));
        assertEquals(expected, bundle);
        long certs = Tools.run("sh", "-c", "cd " + x + "/usr/share/ca-certificates && find . -name '*.crt' | wc -l").ok().out().strip()
                .transform(Long::parseLong);
        assertTrue(certs > 100);
        assertEquals(certs, bundle.lines().filter(l -> l.equals("-----BEGIN CERTIFICATE-----")).count());
        assertTrue(Files.notExists(root.resolve("usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt")), "raw certificates dropped");
        String sums = Files.readString(root.resolve("var/lib/dpkg/status.d/ca-certificates.md5sums"));
        String md5 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(Files.readAllBytes(
                root.resolve("etc/ssl/certs/ca-certificates.crt"))));
        assertTrue(sums.contains(md5 + "  etc/ssl/certs/ca-certificates.crt\n"), "the bundle is attributed to ca-certificates: " + sums);
        assertTrue(!sums.contains("usr/share/ca-certificates/"), "files left out are not listed");
    }

    @Test
    void debugRunsBusyboxShAndNonrootRunsAs65532() throws Exception {
        Path dir = tmp.resolve("debug");
        Build.Result r = build(preset("static:debug", dir), dir.resolve("out"));
        assertEquals(List.of("/busybox/sh"), r.images().get(0).config().config().entrypoint());
        Path root = rootfs("static:debug", r, dir.resolve("out"));
        String out = run(r, root, "-c", "id; ls /");
        assertTrue(out.startsWith("uid=0(root) gid=0(root)"), out);
        assertTrue(out.contains("busybox") && out.contains("etc") && out.contains("usr"), out);

        Path dn = tmp.resolve("debug-nonroot");
        Build.Result n = build(preset("static:debug-nonroot", dn), dn.resolve("out"));
        Path nroot = rootfs("static:debug-nonroot", n, dn.resolve("out"));
        assertEquals("65532\n/home/nonroot\n", run(n, nroot, "-c", "id -u; pwd"));
    }

    @Test
    void baseRunsADynamicallyLinkedProgramAndASpecCanStartFromIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("app"));
        Path spec = dir.resolve("app.yaml");
        Files.writeString(spec, "base: base:nonroot\narchs: [amd64]\nfiles:\n  - {path: /app/env, source: /usr/bin/env, mode: \"0755\"}\n"
                + "entrypoint: [/app/env]\nenv: {GREETING: hello}\n");
        Spec s = SpecParser.parse(spec);
        assertEquals(List.of("amd64"), s.archs(), "the spec's archs win over the preset's");
        assertTrue(s.debian().packages().stream().anyMatch(p -> p.name().equals("libssl3")), "the preset's packages come along");
        Build.Result r = build(s, dir.resolve("out"));
        Path root = rootfs("app", r, dir.resolve("out"));
        String out = run(r, root);
        assertTrue(out.contains("GREETING=hello") && out.contains("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"), out);
        assertEquals("65532", r.images().get(0).config().config().user());
    }

    @Test
    void everyPresetFromOneLockGivesOneDigestAnywhere() throws Exception {
        for (dev.peel.spec.Presets.Preset p : dev.peel.spec.Presets.all()) {
            String name = p.name();
            Path a = tmp.resolve("lock-a-" + name);
            Spec sa = preset(name, a);
            Resolution.lock(sa, sa.archs(), System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now(), cache);
            Path b = Files.createDirectories(tmp.resolve("elsewhere/lock-b-" + name));
            Files.copy(a.resolve(name + ".lock.json"), b.resolve(name + ".lock.json"));
            String da = build(sa, a.resolve("out")).digest().toString();
            // Another folder, and a cache of its own: nothing is shared but the lock.
            BuildOptions other = new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                    new BuildOptions.Host(new Cache(tmp.resolve("other-cache")), System.getenv(), Path.of("/etc/apt"), w -> { },
                            Instant.now()));
            String db = new Build(preset(name, b), other).run(Outputs.layout(b.resolve("out"))).digest().toString();
            assertEquals(da, db, name);
        }
    }

    @Test
    void unknownPresetsAndVariantsAreSpecErrors() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Path spec = dir.resolve("s.yaml");
        Files.writeString(spec, "base: stattic\n");
        SpecException e = assertThrows(SpecException.class, () -> SpecParser.parse(spec));
        assertTrue(e.getMessage().contains("s.yaml:1:7") && e.getMessage().contains("static-debian12"), e.getMessage());
        Files.writeString(spec, "base: static:fancy\n");
        e = assertThrows(SpecException.class, () -> SpecParser.parse(spec));
        assertTrue(e.getMessage().contains("neither scratch nor a preset"), e.getMessage());
    }

    @Test
    void ccRunsACppProgramWithExceptionsCompiledHere() throws Exception {
        Tools.require("g++");
        Path dir = Files.createDirectories(tmp.resolve("cc"));
        Files.writeString(dir.resolve("hello.cc"), """
                #include <iostream>
                #include <stdexcept>
                #include <vector>
                int main() {
                  std::vector<int> v{1, 2, 3};
                  try { throw std::runtime_error("thrown"); } catch (const std::exception& e) { std::cout << "caught " << e.what() << "\\n"; }
                  std::cout << "sum " << v[0] + v[1] + v[2] << std::endl;
                }
                """);
        Tools.run("g++", "-O1", "-o", dir.resolve("hello").toString(), dir.resolve("hello.cc").toString()).ok();
        Path spec = dir.resolve("cc-app.yaml");
        Files.writeString(spec, "base: cc\narchs: [amd64]\nfiles:\n  - {path: /app/hello, source: hello}\nentrypoint: [/app/hello]\n");
        Build.Result r = build(SpecParser.parse(spec), dir.resolve("out"));
        assertEquals("caught thrown\nsum 6\n", run(r, rootfs("cc", r, dir.resolve("out"))));
    }

    @Test
    void java17RunsAJarThatTrustsTheGeneratedCacertsReadsTzdataAndDrawsTextInUtf8() throws Exception {
        javaRuns("java17", "java");
    }

    @Test
    void java21OnTrixieRunsTheSameJarAndDrawsTheSameText() throws Exception {
        javaRuns("java21-debian13", "java21");
    }

    @Test
    void java25OnTrixieRunsTheSameJarAndDrawsTheSameText() throws Exception {
        javaRuns("java25-debian13", "java25");
    }

    @Test
    void python3RunsWithSslSqliteAndCtypes() throws Exception {
        Built b = built("python3");
        Build.Result r = b.result();
        assertEquals(List.of("/usr/bin/python3.11"), r.images().get(0).config().config().entrypoint());
        try (dev.peel.layout.Layout layout = dev.peel.layout.Layout.open(b.layout())) {
            assertTrue(dev.peel.check.ElfCheck.check(layout.imagesUnder(layout.resolve(null)).get(0)).ok());
        }
        String out = run(r, b.rootfs(), "-c",
                "import ssl, sqlite3, ctypes.util; print(ctypes.util.find_library('ssl')); print(ssl.OPENSSL_VERSION.split()[0], sqlite3.sqlite_version_info[0])");
        assertTrue(out.endsWith("OpenSSL 3\n"), out);
    }

    @Test
    void python3RunsPythonAndImportsItsWholeStandardLibrary() throws Exception {
        pythonImportsEverything("python3", "3.11", List.of("distutils", "lib2to3", "crypt", "_crypt", "nis"));
    }

    @Test
    void python3OnTrixieRunsPythonAndImportsItsWholeStandardLibrary() throws Exception {
        pythonImportsEverything("python3-debian13", "3.13", List.of("ensurepip", "_pyrepl"));
    }

    /**
     * Modules of Debian's python3 tree that are not imported, each for its reason; every other top-level module,
     * package and extension module of /usr/lib/python3.X must import.
     */
    static final Map<String, String> NOT_IMPORTED = Map.of(
            "antigravity", "importing it opens a web browser (webbrowser.open), a side effect and no library",
            "turtle", "needs tkinter, which Debian ships in python3-tk with Tcl/Tk and X11 (left out, as distroless does)",
            "_ios_support", "iOS only: loads the Objective-C runtime (distroless skips it too)",
            "_distutils_system_mod", "Debian's hook for distutils, which Python 3.12 removed: nothing left to patch (3.13)");

    void pythonImportsEverything(String preset, String version, List<String> expected) throws Exception {
        Built b = built(preset);
        var c = b.config();
        assertTrue(c.env().contains("LANG=C.UTF-8"), c.env().toString());
        assertEquals(List.of("/usr/bin/python" + version), c.entrypoint());
        Path lib = b.rootfs().resolve("usr/lib/python" + version);
        List<String> modules = new ArrayList<>();
        try (var entries = Files.list(lib)) {
            for (Path p : entries.sorted().toList()) {
                String f = p.getFileName().toString();
                if (f.endsWith(".py") && Files.isRegularFile(p)) {
                    modules.add(f.substring(0, f.length() - 3));
                } else if (Files.isRegularFile(p.resolve("__init__.py"))) {
                    modules.add(f);
                }
            }
        }
        try (var entries = Files.list(lib.resolve("lib-dynload"))) {
            for (Path p : entries.sorted().toList()) {
                String f = p.getFileName().toString();
                if (f.endsWith(".so")) {
                    modules.add(f.substring(0, f.indexOf('.')));
                }
            }
        }
        assertTrue(modules.containsAll(List.of("ssl", "_ssl", "sqlite3", "_sqlite3", "ctypes", "_ctypes", "_dbm", "_lzma",
                "_bz2", "readline", "_curses", "_uuid", "zoneinfo", "venv", "json", "asyncio")) && modules.containsAll(expected)
                && modules.size() > 200,
                modules.toString());
        modules.removeAll(NOT_IMPORTED.keySet());
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python", "-u", "-c", """
                import importlib, locale, sys
                failed = []
                for name in sys.argv[1:]:
                    try:
                        importlib.import_module(name)
                    except BaseException as e:
                        failed.append(name + ": " + type(e).__name__ + ": " + str(e))
                print("python", sys.version.split()[0].rsplit(".", 1)[0], sys.getfilesystemencoding(), locale.getpreferredencoding(),
                      "h\u00e9llo")
                print("imported", len(sys.argv) - 1 - len(failed), "failed", failed)
                """));
        cmd.addAll(modules);
        String out = runWithProc(b.rootfs(), c.env(), cmd);
        assertTrue(out.contains("python " + version + " utf-8 UTF-8 h\u00e9llo\nimported " + modules.size() + " failed []\n"), out);
        assertEquals("python3", Files.readSymbolicLink(b.rootfs().resolve("usr/bin/python")).toString());
    }

    /** app.jar in {@code dir}: Hello (TLS trust, tzdata) as its main class, and Fonts (AWT text, charsets, version). */
    static Path appJar(Path dir) throws Exception {
        Files.writeString(dir.resolve("Hello.java"), """
                import java.security.KeyStore;
                import java.time.ZoneId;
                import java.time.ZonedDateTime;
                import javax.net.ssl.SSLContext;
                import javax.net.ssl.TrustManagerFactory;
                import javax.net.ssl.X509TrustManager;
                public class Hello {
                    public static void main(String[] args) throws Exception {
                        System.out.println("hello " + args[0]);
                        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                        tmf.init((KeyStore) null);
                        SSLContext ctx = SSLContext.getInstance("TLS");
                        ctx.init(null, tmf.getTrustManagers(), null);
                        System.out.println("trusted " + ((X509TrustManager) tmf.getTrustManagers()[0]).getAcceptedIssuers().length);
                        System.out.println("paris " + ZonedDateTime.of(2024, 7, 1, 12, 0, 0, 0, ZoneId.of("Europe/Paris")).getOffset());
                    }
                }
                """);
        // What PDF and chart libraries do: draw text with a logical font on a headless image (fontconfig, the fonts).
        Files.writeString(dir.resolve("Fonts.java"), """
                import java.awt.Color;
                import java.awt.Font;
                import java.awt.Graphics2D;
                import java.awt.GraphicsEnvironment;
                import java.awt.image.BufferedImage;
                import java.nio.charset.Charset;
                import java.util.Arrays;
                public class Fonts {
                    public static void main(String[] args) {
                        BufferedImage img = new BufferedImage(200, 50, BufferedImage.TYPE_INT_RGB);
                        Graphics2D g = img.createGraphics();
                        g.setColor(Color.WHITE);
                        g.fillRect(0, 0, 200, 50);
                        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 24);
                        g.setFont(font);
                        g.setColor(Color.BLACK);
                        g.drawString("Hello, peel", 5, 35);
                        g.dispose();
                        int inked = 0;
                        for (int x = 0; x < 200; x++) {
                            for (int y = 0; y < 50; y++) {
                                inked += (img.getRGB(x, y) & 0xffffff) != 0xffffff ? 1 : 0;
                            }
                        }
                        System.out.println("family " + font.getFamily());
                        System.out.println("inked " + (inked > 100));
                        System.out.println("dejavu " + Arrays.asList(GraphicsEnvironment.getLocalGraphicsEnvironment()
                                .getAvailableFontFamilyNames()).contains("DejaVu Sans"));
                        System.out.println("charset " + Charset.defaultCharset() + " " + System.getProperty("file.encoding")
                                + " " + System.getProperty("sun.jnu.encoding") + " LANG=" + System.getenv("LANG"));
                        String v = System.getenv("JAVA_VERSION");
                        System.out.println("version " + (v == null ? "unset" : v.equals(System.getProperty("java.version"))));
                    }
                }
                """);
        String bin = Path.of(System.getProperty("java.home"), "bin").toString();
        Tools.run(bin + "/javac", "--release", "17", "-d", dir.resolve("classes").toString(), dir.resolve("Hello.java").toString(),
                dir.resolve("Fonts.java").toString()).ok();
        Files.writeString(dir.resolve("manifest.txt"), "Main-Class: Hello\n");
        Tools.run(bin + "/jar", "cfm", dir.resolve("app.jar").toString(), dir.resolve("manifest.txt").toString(), "-C",
                dir.resolve("classes").toString(), "Hello.class", "-C", dir.resolve("classes").toString(), "Fonts.class").ok();
        return dir.resolve("app.jar");
    }

    void javaRuns(String preset, String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        appJar(dir);
        String bin = Path.of(System.getProperty("java.home"), "bin").toString();
        Path spec = dir.resolve("app.yaml");
        Files.writeString(spec, "base: " + preset + "\narchs: [amd64]\nfiles:\n  - {path: /app/app.jar, source: app.jar}\ncmd: [/app/app.jar, world]\n");
        Build.Result r = build(SpecParser.parse(spec), dir.resolve("out"));
        dev.peel.check.ElfCheck.Report report = dev.peel.check.ElfCheck.check(r.images().get(0));
        assertTrue(report.ok() && report.objects() > 100, "every DT_NEEDED is in the image: " + report.missing());
        var c = r.images().get(0).config().config();
        assertEquals(List.of("/usr/bin/java", "-jar"), c.entrypoint());
        // Debian's default-java is 21 on trixie: java25 sets no JAVA_HOME rather than a wrong one.
        assertEquals(!preset.startsWith("java25"), c.env().contains("JAVA_HOME=/usr/lib/jvm/default-java"), c.env().toString());
        Path root = rootfs(name, r, dir.resolve("out"));
        String keytool = Tools.run(bin + "/keytool", "-list", "-keystore", root.resolve("etc/ssl/certs/java/cacerts").toString(),
                "-storepass", "changeit").ok().out();
        long certs = Files.readString(root.resolve("etc/ssl/certs/ca-certificates.crt")).lines()
                .filter(l -> l.equals("-----BEGIN CERTIFICATE-----")).count();
        assertTrue(keytool.contains("Your keystore contains " + certs + " entries"), keytool);
        // The JVM finds its libraries through /proc/self/exe: run it with a /proc, as a runtime mounts one.
        List<String> cmd = new ArrayList<>(List.of("env", "-i"));
        cmd.addAll(c.env());
        cmd.addAll(List.of("unshare", "-r", "-m", "-p", "-f", "--mount-proc=" + root.resolve("proc"), "chroot", root.toString()));
        cmd.addAll(c.entrypoint());
        cmd.addAll(c.cmd());
        String out = Tools.run(cmd, null, Map.of(), 300).ok().out();
        assertEquals("hello world\ntrusted " + certs + "\nparis +02:00\n", out);
        assertTrue(c.env().contains("LANG=C.UTF-8"), c.env().toString());
        String major = preset.replaceAll("^java(\\d+).*", "$1");
        assertTrue(c.env().stream().anyMatch(e -> e.matches("JAVA_VERSION=" + major + "\\.\\d+\\.\\d+(\\.\\d+)?")),
                "JAVA_VERSION is the JRE's release version, as distroless sets it: " + c.env());
        String fonts = runWithProc(root, c.env(), List.of("/usr/bin/java", "-cp", "/app/app.jar", "Fonts"));
        assertEquals("family SansSerif\ninked true\ndejavu true\ncharset UTF-8 UTF-8 UTF-8 LANG=C.UTF-8\nversion true\n", fonts);
    }

    /**
     * java-base is for a JRE brought along (distroless's use: Temurin): the host's Temurin, put into the unpacked
     * image (not into a layer: a JDK is 300 MB of gzip work), draws text with fontconfig and the DejaVu fonts.
     */
    @Test
    void javaBaseRunsABroughtAlongTemurinThatDrawsText() throws Exception {
        Path temurin;
        try (var jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            temurin = jvms.filter(p -> p.getFileName().toString().startsWith("temurin-")).sorted().findFirst().orElse(null);
        }
        assertTrue(temurin != null, "this test runs a Temurin JDK from /usr/lib/jvm (the machine has Temurin 25 there)");
        for (String preset : List.of("java-base", "java-base-debian13")) {
            Path dir = Files.createDirectories(tmp.resolve(preset));
            Path jar = appJar(dir);
            Path spec = dir.resolve("app.yaml");
            Files.writeString(spec, "base: " + preset + "\narchs: [amd64]\nfiles:\n  - {path: /app/app.jar, source: app.jar}\n");
            Build.Result r = build(SpecParser.parse(spec), dir.resolve("out"));
            var c = r.images().get(0).config().config();
            assertTrue(c.env().contains("LANG=C.UTF-8"), c.env().toString());
            Path root = rootfs(preset, r, dir.resolve("out"));
            assertFalse(Files.exists(root.resolve("usr/lib/jvm")), "no JVM in java-base");
            assertTrue(Files.isRegularFile(root.resolve("etc/ssl/certs/java/cacerts")));
            assertTrue(Files.isRegularFile(root.resolve("usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")));
            Files.createDirectories(root.resolve("opt"));
            Tools.run("cp", "-a", temurin.toString(), root.resolve("opt/java").toString()).ok();
            String fonts = runWithProc(root, c.env(), List.of("/opt/java/bin/java", "-cp", "/app/app.jar", "Fonts"));
            assertEquals("family SansSerif\ninked true\ndejavu true\ncharset UTF-8 UTF-8 UTF-8 LANG=C.UTF-8\nversion unset\n", fonts,
                    preset);
        }
    }

    @Test
    void checkNamesWhatAProgramNeedsAndTheImageLacks() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("lacking"));
        Path spec = dir.resolve("lacking.yaml");
        Files.writeString(spec, "base: base-nossl\narchs: [amd64]\nfiles:\n  - {path: /app/openssl, source: /usr/bin/openssl}\n");
        build(SpecParser.parse(spec), dir.resolve("out"));
        try (dev.peel.layout.Layout layout = dev.peel.layout.Layout.open(dir.resolve("out"))) {
            dev.peel.check.ElfCheck.Report r = dev.peel.check.ElfCheck.check(layout.imagesUnder(layout.resolve(null)).get(0));
            assertEquals(List.of("/app/openssl needs libcrypto.so.3, which is not in the image",
                    "/app/openssl needs libssl.so.3, which is not in the image"), r.missing().stream().map(Object::toString).sorted().toList());
        }
    }

    /** ldconfig -p's entry lines (no header, no "generated by" line). */
    static List<String> ldconfigP(Path cache) throws Exception {
        return Tools.run("ldconfig", "-p", "-C", cache.toString()).ok().out().lines()
                .filter(l -> l.startsWith("\t")).toList();
    }

    @Test
    void theGeneratedLdCacheListsWhatLdconfigWouldForEveryArch() throws Exception {
        Tools.require("ldconfig");
        for (String name : List.of("base-nossl", "base-nossl-debian13")) {
            Path dir = tmp.resolve("ld-" + name);
            Build.Result r = build(preset(name, dir), dir.resolve("out"));
            Path root = rootfs("ld-" + name, r, dir.resolve("out"));
            // ldconfig run on the rootfs (without touching links) writes the reference cache.
            Tools.run("ldconfig", "-r", root.toString(), "-X", "-C", "/etc/ld.so.cache.ref").ok();
            List<String> ours = ldconfigP(root.resolve("etc/ld.so.cache"));
            assertTrue(ours.size() > 10 && ours.stream().anyMatch(l -> l.startsWith("\tlibc.so.6 (libc6,x86-64) => ")), ours.toString());
            assertEquals(ldconfigP(root.resolve("etc/ld.so.cache.ref")), ours, name);
        }
        // arm64: the host's ldconfig skips foreign objects, so read the cache back and check each entry.
        Path dir = tmp.resolve("ld-arm64");
        Spec s = SpecParser.parsePreset("base-nossl", Files.createDirectories(dir)).withArchs(List.of("arm64"));
        Build.Result r = build(s, dir.resolve("out"));
        Path root = InstallIntegrationTest.unpack(dir.resolve("out"), r, "arm64", tmp.resolve("bundle-ld-arm64"));
        List<String> arm = ldconfigP(root.resolve("etc/ld.so.cache"));
        assertTrue(arm.stream().anyMatch(l -> l.equals("\tlibc.so.6 (libc6,AArch64) => /lib/aarch64-linux-gnu/libc.so.6")), arm.toString());
        assertTrue(arm.stream().anyMatch(l -> l.startsWith("\tld-linux-aarch64.so.1 (libc6,AArch64) => ")), arm.toString());
        List<String> keys = new ArrayList<>();
        for (String l : arm) {
            assertTrue(l.contains(" (libc6,AArch64) => /lib/aarch64-linux-gnu/"), l);
            String key = l.substring(1, l.indexOf(' '));
            String path = l.substring(l.indexOf("=> ") + 3);
            assertEquals(key, path.substring(path.lastIndexOf('/') + 1), l);
            assertTrue(Files.exists(root.resolve(path.substring(1))), "the cache names a file of the image: " + l);
            keys.add(key);
        }
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort((a, b) -> LdCache.libcmp(b, a));
        assertEquals(sorted, keys, "entries in the order ld.so's binary search needs");
    }

    @Test
    void everyPresetsDebugNonrootVariantRunsItsShellAndToolsAs65532() throws Exception {
        for (dev.peel.spec.Presets.Preset p : dev.peel.spec.Presets.all()) {
            String name = p.name() + ":debug-nonroot";
            Path dir = tmp.resolve("variant-" + p.name());
            Build.Result r = build(preset(name, dir), dir.resolve("out"));
            // As distroless's: a preset with an entrypoint of its own (java, python3) keeps it; the others get the shell.
            List<String> own = preset(p.name(), tmp.resolve("plain-" + p.name())).entrypoint();
            assertEquals(own == null || own.isEmpty() ? List.of("/busybox/sh") : own, r.images().get(0).config().config().entrypoint(), name);
            String out = run(r, rootfs(name, r, dir.resolve("out")), List.of("/busybox/sh"), "-c", """
                    id -u; pwd; ls /busybox/sh; cat /etc/os-release | grep -c '^PRETTY_NAME="Distroless"$'
                    wget --help 2>&1 | grep -c 'Usage: wget'; echo hi | sed s/hi/ho/ | tr o O; [ -x /busybox/vi ] && echo vi
                    printf 'b\\na\\n' | sort | head -1; busybox --list | wc -l | awk '$1 > 250 {print "applets"}'
                    ls /busybox | wc -l | awk '$1 > 250 {print "links"}'
                    """);
            assertEquals("65532\n/home/nonroot\n/busybox/sh\n1\n1\nhO\nvi\na\napplets\nlinks\n", out, name);
        }
    }

    @Test
    void arm64PresetsHoldTheirFontsLinksAndEnvironment() throws Exception {
        for (String name : List.of("java17", "java21-debian13", "java25-debian13", "python3", "python3-debian13", "static-debian13:debug")) {
            Path dir = tmp.resolve("arm64-" + name.replace(':', '-'));
            Spec s = SpecParser.parsePreset(name, Files.createDirectories(dir)).withArchs(List.of("arm64"));
            Build.Result r = build(s, dir.resolve("out"));
            Image img = r.images().get(0);
            assertEquals("linux/arm64/v8", img.config().platform().toString());
            Path root = InstallIntegrationTest.unpack(dir.resolve("out"), r, "arm64", tmp.resolve("bundle-arm64-" + name.replace(':', '-')));
            List<String> env = img.config().config().env();
            Path lib = root.resolve("usr/lib/aarch64-linux-gnu");
            if (name.startsWith("java")) {
                assertTrue(env.contains("LANG=C.UTF-8"), env.toString());
                assertTrue(Files.isRegularFile(root.resolve("usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")), name);
                assertTrue(Files.isRegularFile(root.resolve("etc/fonts/fonts.conf")), name);
                assertTrue(Files.exists(root.resolve("etc/fonts/conf.d/57-dejavu-sans.conf")), name);
                assertTrue(Files.exists(lib.resolve("libfontconfig.so.1")) && Files.exists(lib.resolve("libfreetype.so.6")), name);
                String jvm = "java-" + name.substring(4, 6) + "-openjdk-arm64";
                assertEquals("/etc/alternatives/java", Files.readSymbolicLink(root.resolve("usr/bin/java")).toString());
                assertEquals("/usr/lib/jvm/" + jvm + "/bin/java", Files.readSymbolicLink(root.resolve("etc/alternatives/java")).toString());
                assertTrue(Files.isRegularFile(root.resolve("usr/lib/jvm/" + jvm + "/lib/libfontmanager.so")), name);
                assertTrue(Files.isRegularFile(root.resolve("etc/ssl/certs/java/cacerts")), name);
            } else if (name.startsWith("python3")) {
                String v = name.equals("python3") ? "3.11" : "3.13";
                assertTrue(env.contains("LANG=C.UTF-8"), env.toString());
                assertEquals(List.of("/usr/bin/python" + v), img.config().config().entrypoint());
                assertEquals("python3", Files.readSymbolicLink(root.resolve("usr/bin/python")).toString());
                assertEquals("python" + v, Files.readSymbolicLink(root.resolve("usr/bin/python3")).toString());
                String tag = v.replace(".", "");
                assertTrue(Files.isRegularFile(root.resolve("usr/lib/python" + v + "/lib-dynload/_ssl.cpython-" + tag + "-aarch64-linux-gnu.so")),
                        name);
                assertTrue(Files.isRegularFile(root.resolve(v.equals("3.11") ? "usr/lib/python3.11/distutils/dist.py"
                        : "usr/lib/python3.13/ensurepip/__init__.py")), name);
            } else {
                assertEquals(List.of("/busybox/sh"), img.config().config().entrypoint());
                assertTrue(env.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/busybox"), env.toString());
                assertEquals("busybox", Files.readSymbolicLink(root.resolve("busybox/wget")).toString());
                assertTrue(Files.isRegularFile(root.resolve("usr/bin/busybox")), "trixie's busybox-static, merged /usr");
                assertTrue(Files.isRegularFile(root.resolve("etc/mime.types")) && Files.isRegularFile(root.resolve("usr/share/zoneinfo/US/Eastern")),
                        "media-types and tzdata-legacy");
            }
        }
    }

    @Test
    void aPresetBuildsEveryReleaseArchIntoOneIndex() throws Exception {
        // The archive suites only: this machine's mirror serves -security indexes for some archs that do not
        // match their signed Release, which peel (rightly) refuses.
        java.net.URI archive = dev.peel.debian.Mirrors.archive(System.getenv(), Path.of("/etc/apt")).orElseThrow();
        Path dir = Files.createDirectories(tmp.resolve("all-archs"));
        Path spec = dir.resolve("static-all.yaml");
        Files.writeString(spec, "base: static\ndebian:\n  sources:\n    - {url: \"" + archive + "\", suites: [bookworm, bookworm-updates]}\n");
        Spec s = SpecParser.parse(spec);
        assertEquals(List.of("amd64", "arm64", "armhf", "ppc64el", "s390x"), s.archs());
        Build.Result r = build(s, dir.resolve("out"));
        assertEquals(List.of("linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/ppc64le", "linux/s390x"),
                r.images().stream().map(i -> i.config().platform().toString()).toList());
        Tools.require("skopeo");
        for (String arch : List.of("arm", "s390x")) {
            String raw = Tools.run("skopeo", "--override-arch", arch, "--override-os", "linux", "inspect",
                    "oci:" + dir.resolve("out") + ":latest").ok().out();
            assertTrue(raw.contains("\"Architecture\": \"" + arch + "\""), raw);
        }
        // tzdata is Architecture: all: one layer, shared by every platform's manifest.
        java.util.Set<dev.peel.oci.Digest> tz = new java.util.HashSet<>();
        for (Image img : r.images()) {
            var h = img.config().history();
            for (int i = 0; i < img.layers().size(); i++) {
                if (h.get(i).comment().startsWith("debian package tzdata ")) {
                    tz.add(img.layers().get(i).digest());
                }
            }
        }
        assertEquals(1, tz.size());
    }
}
