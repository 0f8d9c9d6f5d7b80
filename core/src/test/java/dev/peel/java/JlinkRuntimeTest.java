package dev.peel.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.build.Build;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.cache.Cache;
import dev.peel.check.ElfCheck;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import dev.peel.testing.Rootfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java.runtime: jlink} on java-base for amd64 and arm64 from the real Debian mirror of the configuration: the
 * runtime is linked from each arch's openjdk-17-jdk-headless jmods by this JVM's jlink, runs the app (TLS trust from
 * the image's cacerts), and the image is reproducible and passes peel check.
 */
class JlinkRuntimeTest {
    @TempDir
    static Path tmp;
    static Cache cache;

    static final String SPEC = """
            base: java-base
            archs: [amd64, arm64]
            created: 2024-01-01T00:00:00Z
            java:
              classes: [classes]
              runtime: jlink
              args: [from, jlink]
            """;

    @BeforeAll
    static void setUp() throws Exception {
        cache = new Cache(tmp.resolve("cache"));
        JavaAppTest.javac(tmp.resolve("app/classes"), null, Map.of("hello/Hello.java", """
                package hello;
                import java.security.KeyStore;
                import java.util.logging.Logger;
                import javax.net.ssl.TrustManagerFactory;
                import javax.net.ssl.X509TrustManager;
                public class Hello {
                    public static void main(String[] args) throws Exception {
                        Logger.getLogger("hello").fine("java.logging is linked");
                        System.out.println("hello " + String.join(" ", args) + " on " + System.getProperty("java.home"));
                        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                        f.init((KeyStore) null);
                        int cas = ((X509TrustManager) f.getTrustManagers()[0]).getAcceptedIssuers().length;
                        System.out.println("trusted CAs: " + (cas > 100 ? "many" : String.valueOf(cas)));
                        java.security.KeyPairGenerator.getInstance("EC").generateKeyPair();
                        System.out.println("modules: " + ModuleLayer.boot().modules().stream().map(Module::getName).sorted()
                                .collect(java.util.stream.Collectors.joining(",")));
                    }
                }
                """));
        Files.writeString(tmp.resolve("app/app.yaml"), SPEC);
    }

    static BuildOptions options(Map<String, String> env) {
        return new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(cache, env, Path.of("/etc/apt"), w -> { }, Instant.now()));
    }

    static Build.Result build(Path spec, Path out) throws Exception {
        return new Build(SpecParser.parse(spec), options(System.getenv())).run(Outputs.layout(out));
    }

    static Image arch(Build.Result r, String arch) {
        return r.images().stream().filter(i -> i.config().platform().architecture().equals(arch)).findFirst().orElseThrow();
    }

    static int indexOf(Image img, String commentStart) {
        var h = img.config().history();
        int base = img.layers().size() - h.size();
        for (int i = 0; i < h.size(); i++) {
            if (String.valueOf(h.get(i).comment()).startsWith(commentStart)) {
                return base + i;
            }
        }
        throw new AssertionError("no layer '" + commentStart + "' in " + h);
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        if (b != null) {
            out.addAll(b);
        }
        return out;
    }

    @Test
    void aLinkedRuntimeRunsTheAppPerArchAndRebuildsToTheSameDigest() throws Exception {
        Path spec = tmp.resolve("app/app.yaml");
        Build.Result r = build(spec, tmp.resolve("out"));
        assertEquals(2, r.images().size());
        Image amd = arch(r, "amd64");
        Image arm = arch(r, "arm64");

        int rtAmd = indexOf(amd, "java: runtime");
        int rtArm = indexOf(arm, "java: runtime");
        int offset = amd.layers().size() - amd.config().history().size();
        String comment = String.valueOf(amd.config().history().get(rtAmd - offset).comment());
        assertTrue(comment.contains("java.base,java.logging,jdk.crypto.ec from openjdk-17-jdk-headless 17."), comment);
        assertNotEquals(amd.layers().get(rtAmd).digest(), arm.layers().get(rtArm).digest(), "each arch its own runtime");
        int classes = indexOf(amd, "java: classes");
        assertEquals(rtAmd + 1, classes, "the runtime sits right below the application");
        assertEquals(amd.layers().get(classes).digest(), arm.layers().get(indexOf(arm, "java: classes")).digest(),
                "the application's layers are shared");

        var c = amd.config().config();
        assertEquals(List.of(Jlink.JAVA, "-cp", "@/app/classpath", "hello.Hello"), c.entrypoint());
        assertTrue(c.env().contains("JAVA_HOME=" + Jlink.HOME), c.env().toString());

        Path root = Rootfs.unpack(tmp.resolve("out"), amd, tmp.resolve("bundle-amd64"));
        assertEquals("hello from jlink on " + Jlink.HOME + "\ntrusted CAs: many\nmodules: java.base,java.logging,jdk.crypto.ec\n",
                Rootfs.runWithProc(root, c.env(), concat(c.entrypoint(), c.cmd())));
        assertEquals("/etc/ssl/certs/java/cacerts",
                Files.readSymbolicLink(root.resolve("usr/lib/jvm/jlink/lib/security/cacerts")).toString());
        assertTrue(Files.isExecutable(root.resolve("usr/lib/jvm/jlink/lib/jspawnhelper")));
        assertEquals(62, machine(root.resolve("usr/lib/jvm/jlink/bin/java")), "x86-64");
        assertTrue(Files.notExists(root.resolve("usr/bin/java")), "no JRE of the base");

        Path armRoot = Rootfs.unpack(tmp.resolve("out"), arm, tmp.resolve("bundle-arm64"));
        assertEquals(183, machine(armRoot.resolve("usr/lib/jvm/jlink/bin/java")), "aarch64");
        assertEquals(183, machine(armRoot.resolve("usr/lib/jvm/jlink/lib/server/libjvm.so")), "aarch64");

        for (Image i : r.images()) {
            ElfCheck.Report report = ElfCheck.check(i);
            assertTrue(report.ok(), i.config().platform() + ": " + report.missing());
        }
        dev.peel.sbom.Sbom sbom = dev.peel.sbom.Sbom.read(amd, "jlink", null);
        assertEquals(List.of(), sbom.files().stream().filter(f -> f.owner() == dev.peel.sbom.Sbom.Owner.UNACCOUNTED)
                .map(dev.peel.sbom.Sbom.File::path).toList(), "the SBOM accounts for the runtime and the app");
        assertTrue(sbom.files().stream().filter(f -> f.path().equals("usr/lib/jvm/jlink/lib/server/libjvm.so")).findFirst()
                .orElseThrow().why().contains("from openjdk-17-jdk-headless 17."));

        // Warm: the linked trees come from the cache. Then linked again from the cached .debs: jlink's output is the
        // same bytes, so both give the same image.
        assertEquals(r.digest(), build(spec, tmp.resolve("out-warm")).digest(), "a warm rebuild");
        for (String kind : List.of("jlink", "jlink-key", "jlink-layer")) {
            dev.peel.io.Trees.deleteQuietly(cache.root().resolve(kind));
        }
        assertEquals(r.digest(), build(spec, tmp.resolve("out-relinked")).digest(), "a second jlink run");

        // peel lock pins each arch's JDK beside the packages; a build from the lock gives the same image, and a lock
        // without the JDK (or with one the spec no longer links) is stale.
        dev.peel.debian.Lock lock = dev.peel.build.Resolution.lock(SpecParser.parse(spec), List.of("amd64", "arm64"),
                options(System.getenv()).host(), null);
        assertEquals(List.of("amd64", "arm64"), List.copyOf(lock.jdk().keySet()));
        assertEquals("openjdk-17-jdk-headless", lock.jdk().get("arm64").name());
        assertEquals("arm64", lock.jdk().get("arm64").arch());
        assertEquals(lock.jdk(), dev.peel.debian.Lock.parse(lock.toJson()).jdk());
        assertEquals(r.digest(), build(spec, tmp.resolve("out-locked")).digest(), "built from the lock");
        Path jre = tmp.resolve("app/jre.yaml");
        Files.writeString(jre, SPEC.replace("  runtime: jlink\n", ""));
        Files.write(tmp.resolve("app/jre.lock.json"), lock.toJson());
        assertTrue(String.valueOf(dev.peel.build.Resolution.staleLock(SpecParser.parse(jre), List.of("amd64", "arm64")))
                .contains("no longer links a Java runtime"));
        Files.write(tmp.resolve("app/app.lock.json"), lock.withJdk(Map.of()).toJson());
        assertTrue(String.valueOf(dev.peel.build.Resolution.staleLock(SpecParser.parse(spec), List.of("amd64", "arm64")))
                .contains("pins no openjdk-17-jdk-headless for amd64"));
        Files.delete(tmp.resolve("app/app.lock.json"));
    }

    @Test
    void aModuleTheJdkDoesNotHaveIsAnErrorListingItsModules() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("nomodule"));
        Files.writeString(dir.resolve("app.yaml"), """
                base: java-base
                archs: [amd64]
                java:
                  classes: [../app/classes]
                  runtime: jlink
                  modules: [jdk.localedata, no.such.module]
                """);
        SpecException e = assertThrows(SpecException.class, () -> build(dir.resolve("app.yaml"), dir.resolve("out")));
        assertTrue(e.getMessage().contains("app.yaml:5:") && e.getMessage().contains("has no module no.such.module")
                && e.getMessage().contains("jdk.localedata, jdk.management"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("out")));
    }

    static int machine(Path elf) throws Exception {
        byte[] h = new byte[20];
        try (var in = Files.newInputStream(elf)) {
            assertEquals(20, in.readNBytes(h, 0, 20));
        }
        assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, java.util.Arrays.copyOf(h, 4));
        return (h[18] & 0xff) | (h[19] & 0xff) << 8;
    }

    @Test
    void aJdkOfAnotherFeatureVersionIsAClearErrorAtTheRuntimeLine() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(dir.resolve("app.yaml"), """
                archs: [amd64]
                debian: {suite: bookworm}
                java:
                  classes: [../app/classes]
                  runtime: jlink
                  version: 99
                """);
        SpecException e = assertThrows(SpecException.class, () -> new Build(SpecParser.parse(dir.resolve("app.yaml")),
                options(Map.of())).run(Outputs.layout(dir.resolve("out"))));
        assertTrue(e.getMessage().contains("app.yaml:5:") && e.getMessage().contains("Debian's JDK 99")
                && e.getMessage().contains(Jlink.JAVA_HOME_ENV), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("out")));

        // Without java.version, the suite's JDK: trixie's is 21.
        Files.writeString(dir.resolve("app.yaml"), "archs: [amd64]\ndebian: {suite: trixie}\njava:\n  classes: [../app/classes]\n"
                + "  runtime: jlink\n");
        e = assertThrows(SpecException.class, () -> new Build(SpecParser.parse(dir.resolve("app.yaml")),
                options(Map.of())).run(Outputs.layout(dir.resolve("out"))));
        assertTrue(e.getMessage().contains("Debian's JDK 21"), e.getMessage());
    }

    @Test
    void jdepsReadsTheJarsAPlainJarsClassPathNames() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("classpath"));
        JavaAppTest.javac(dir.resolve("lib-classes"), null, Map.of("lib/Db.java",
                "package lib; public class Db { public static Object d() { return java.sql.DriverManager.getDrivers(); } }"));
        JavaAppTest.jar(dir.resolve("dist/lib/db.jar"), dir.resolve("lib-classes"));
        JavaAppTest.javac(dir.resolve("app-classes"), dir.resolve("dist/lib/db.jar").toString(), Map.of("app/Main.java",
                "package app; public class Main { public static void main(String[] a) { System.out.println(lib.Db.d()); } }"));
        Files.writeString(dir.resolve("manifest.txt"), "Main-Class: app.Main\nClass-Path: lib/db.jar\n");
        dev.peel.testing.Tools.run(JavaAppTest.BIN + "/jar", "--create", "--file", dir.resolve("dist/app.jar").toString(),
                "--manifest", dir.resolve("manifest.txt").toString(), "-C", dir.resolve("app-classes").toString(), ".").ok();
        Files.writeString(dir.resolve("app.yaml"), "java:\n  jar: dist/app.jar\n  runtime: jlink\n  modules: [jdk.localedata]\n");
        var java = SpecParser.parse(dir.resolve("app.yaml")).java();
        assertEquals(List.of("java.base", "java.sql", "jdk.crypto.ec", "jdk.localedata"),
                Jlink.of(java.runtime(), "bookworm", Map.of()).modules(java));
    }

    @Test
    void runtimeKeysAreChecked() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("keys"));
        for (String[] c : new String[][] {
                {"  runtime: graal\n", "neither jre nor jlink"},
                {"  modules: [jdk.localedata]\n", "java.modules is for java.runtime: jlink"},
                {"  runtime: jlink\n  modules: [\"not a module\"]\n", "is not a module name"}}) {
            Files.writeString(dir.resolve("app.yaml"), "java:\n  classes: [../app/classes]\n" + c[0]);
            SpecException e = assertThrows(SpecException.class, () -> SpecParser.parse(dir.resolve("app.yaml")));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
