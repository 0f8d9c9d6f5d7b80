package dev.peel.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.build.Build;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.cache.Cache;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import dev.peel.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small application (compiled here with the JDK's javac and jar) put on java17 and on scratch, built and run. */
class JavaAppTest {
    @TempDir
    static Path tmp;
    static Cache cache;
    static final String BIN = Path.of(System.getProperty("java.home"), "bin").toString();
    static final String SPEC = """
            archs: [amd64]
            created: 2024-01-01T00:00:00Z
            java:
              classes: [app/classes]
              resources: [app/resources]
              dependencies: [lib/*.jar]
              project-dependencies: [core/core.jar]
              jvm-flags: [-Xmx64m]
              args: [--port, "8080"]
            """;

    @BeforeAll
    static void setUp() {
        cache = new Cache(tmp.resolve("cache"));
    }

    static BuildOptions options() {
        return new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(cache, System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now()));
    }

    static Build.Result build(Path spec, Path out) throws Exception {
        return new Build(SpecParser.parse(spec), options()).run(Outputs.layout(out));
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** Compiles {@code sources} (name → text) into {@code out} with {@code cp} on the classpath. */
    static void javac(Path out, String cp, Map<String, String> sources) throws Exception {
        Path src = Files.createDirectories(out.resolveSibling(out.getFileName() + "-src"));
        List<String> cmd = new ArrayList<>(List.of(BIN + "/javac", "--release", "17", "-d", out.toString()));
        if (cp != null) {
            cmd.addAll(List.of("-cp", cp));
        }
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey());
            write(f, e.getValue());
            cmd.add(f.toString());
        }
        Tools.run(cmd).ok();
    }

    /** A jar of {@code classes}, its entries dated as given (javac's output is the same bytes for the same sources). */
    static void jar(Path jar, Path classes) throws Exception {
        Files.createDirectories(jar.getParent());
        Tools.run(BIN + "/jar", "--create", "--date=2024-01-01T00:00:02Z", "--file", jar.toString(), "-C", classes.toString(), ".").ok();
    }

    static String lib(String pkg, String cls, String says) {
        return "package " + pkg + "; public class " + cls + " { public static String hi() { return \"" + says + "\"; } }";
    }

    /** The project: app (classes, a resource), a release and a snapshot dependency, a project dependency. */
    static Path project(Path dir, String mainSays, String releaseSays) throws Exception {
        Path b = dir.resolve("build");
        javac(b.resolve("greet"), null, Map.of("lib/Greet.java", lib("lib", "Greet", releaseSays)));
        jar(dir.resolve("lib/greet-1.0.jar"), b.resolve("greet"));
        javac(b.resolve("snap"), null, Map.of("snap/Snap.java", lib("snap", "Snap", "snapshot-dep")));
        jar(dir.resolve("lib/snap-2.0-SNAPSHOT.jar"), b.resolve("snap"));
        javac(b.resolve("core"), null, Map.of("core/Core.java", lib("core", "Core", "project-dep")));
        jar(dir.resolve("core/core.jar"), b.resolve("core"));
        String cp = String.join(":", dir.resolve("lib/greet-1.0.jar").toString(), dir.resolve("lib/snap-2.0-SNAPSHOT.jar").toString(),
                dir.resolve("core/core.jar").toString());
        javac(dir.resolve("app/classes"), cp, Map.of(
                "app/Main.java", """
                        package app;
                        public class Main {
                            public static void main(String[] args) throws Exception {
                                System.out.println("%s " + String.join(" ", args));
                                System.out.println(lib.Greet.hi() + " " + snap.Snap.hi() + " " + core.Core.hi());
                                try (var in = Main.class.getResourceAsStream("/greeting.txt")) {
                                    System.out.print(new String(in.readAllBytes(), "UTF-8"));
                                }
                            }
                        }
                        """.formatted(mainSays),
                "app/Util.java", "package app; class Util { static void main(String[] a) { } public void main() { } }"));
        write(dir.resolve("app/resources/greeting.txt"), "resource says hello\n");
        write(dir.resolve("app.yaml"), SPEC);
        return dir.resolve("app.yaml");
    }

    static List<String> digests(Build.Result r) {
        return r.images().get(0).layers().stream().map(l -> l.digest().toString()).toList();
    }

    @Test
    void theAppRunsOnJava17AndItsLayersAreSharedByBothArchs() throws Exception {
        Path dir = tmp.resolve("multi");
        Path spec = project(dir, "main says", "release-dep");
        Files.writeString(spec, "base: java17\n" + SPEC.replace("archs: [amd64]", "archs: [amd64, arm64]"));
        Build.Result r = build(spec, dir.resolve("out"));
        assertEquals(2, r.images().size());
        Image amd = arch(r, "amd64");
        Image arm = arch(r, "arm64");
        List<String> history = amd.config().history().stream().map(h -> String.valueOf(h.comment())).toList();
        // Above the packages, below the spec's (here the preset's) own files and accounts.
        int first = history.indexOf("java: dependencies");
        assertEquals(List.of("java: dependencies", "java: snapshot dependencies", "java: project dependencies",
                "java: resources", "java: classes", "files and accounts from the spec"), history.subList(first, history.size()));
        assertEquals(history.size(), amd.layers().size());
        List<Layer> a = amd.layers().subList(first, first + 5);
        List<Layer> b = arm.layers().subList(first, first + 5);
        assertEquals(a.stream().map(Layer::digest).toList(), b.stream().map(Layer::digest).toList(), "the same app blobs");
        assertNotEquals(amd.layers().get(0).digest(), arm.layers().get(0).digest());
        var c = amd.config().config();
        assertEquals(List.of("/usr/bin/java", "-Xmx64m", "-cp", "@/app/classpath", "app.Main"), c.entrypoint());
        assertEquals(List.of("--port", "8080"), c.cmd());

        Path root = dev.peel.testing.Rootfs.unpack(dir.resolve("out"), amd, tmp.resolve("bundle-multi"));
        assertEquals("/app/resources:/app/classes:/app/libs/core.jar:/app/libs/greet-1.0.jar:/app/libs/snap-2.0-SNAPSHOT.jar\n",
                Files.readString(root.resolve("app/classpath")));
        assertEquals("main says --port 8080\nrelease-dep snapshot-dep project-dep\nresource says hello\n",
                dev.peel.testing.Rootfs.runWithProc(root, c.env(), concat(c.entrypoint(), c.cmd())));
    }

    @Test
    void aPlainJarWithAMainClassManifestRuns() throws Exception {
        Path dir = tmp.resolve("plain");
        Path b = dir.resolve("build");
        javac(b.resolve("greet"), null, Map.of("lib/Greet.java", lib("lib", "Greet", "from the Class-Path")));
        jar(dir.resolve("dist/lib/greet-1.0.jar"), b.resolve("greet"));
        javac(b.resolve("app"), dir.resolve("dist/lib/greet-1.0.jar").toString(), Map.of("hello/Hello.java", """
                package hello;
                public class Hello {
                    public static void main(String[] args) { System.out.println("plain jar " + lib.Greet.hi()); }
                }
                """, "hello/Other.java", "package hello; public class Other { public static void main(String[] a) { } }"));
        write(dir.resolve("manifest.txt"), "Main-Class: hello.Hello\nClass-Path: lib/greet-1.0.jar lib/missing.jar\n");
        Tools.run(BIN + "/jar", "--create", "--date=2024-01-01T00:00:02Z", "--file", dir.resolve("dist/hello.jar").toString(),
                "--manifest", dir.resolve("manifest.txt").toString(),
                "-C", b.resolve("app").toString(), ".").ok();
        write(dir.resolve("app.yaml"), "base: java17\narchs: [amd64]\njava:\n  jar: dist/hello.jar\n");
        Build.Result r = build(dir.resolve("app.yaml"), dir.resolve("out"));
        Image img = r.images().get(0);
        var c = img.config().config();
        assertEquals(List.of("/usr/bin/java", "-cp", "@/app/classpath", "hello.Hello"), c.entrypoint());
        assertTrue(c.cmd() == null || c.cmd().isEmpty(), "no args, no Cmd (the preset's java -jar is gone): " + c.cmd());
        Path root = dev.peel.testing.Rootfs.unpack(dir.resolve("out"), img, tmp.resolve("bundle-plain"));
        assertEquals("/app/hello.jar:/app/libs/greet-1.0.jar\n", Files.readString(root.resolve("app/classpath")));
        assertEquals("plain jar from the Class-Path\n", dev.peel.testing.Rootfs.runWithProc(root, c.env(), c.entrypoint()));
    }

    @Test
    void oneChangedClassChangesOnlyTheClassesLayerAndOneDependencyOnlyItsLayer() throws Exception {
        Path spec = project(tmp.resolve("change-a"), "main says", "release-dep");
        Files.writeString(spec, SPEC);
        List<String> before = digests(build(spec, tmp.resolve("change-a/out")));
        assertEquals(5, before.size());

        // The same project elsewhere: other mtimes, other modes, other listing order; the same digests.
        Path copy = tmp.resolve("change-copy");
        copyTree(tmp.resolve("change-a"), copy);
        Files.setPosixFilePermissions(copy.resolve("app/resources/greeting.txt"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setLastModifiedTime(copy.resolve("lib/greet-1.0.jar"), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        Path out = copy.resolve("out");
        Files.walk(out).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        assertEquals(before, digests(build(copy.resolve("app.yaml"), out)), "two folders, one image");

        // One class changed.
        Path changed = project(tmp.resolve("change-b"), "main changed", "release-dep");
        Files.writeString(changed, SPEC);
        List<String> after = digests(build(changed, tmp.resolve("change-b/out")));
        assertEquals(List.of(4), differing(before, after), "only the classes layer: " + before + " " + after);

        // One dependency's content changed (same name): only the release dependencies' layer.
        Path dep = project(tmp.resolve("change-c"), "main says", "release-dep v2");
        Files.writeString(dep, SPEC);
        List<String> depChanged = digests(build(dep, tmp.resolve("change-c/out")));
        assertEquals(List.of(0), differing(before, depChanged));

        // One dependency upgraded (a new file name, so a new classpath): still only the release dependencies' layer,
        // which holds the classpath argfile.
        Path upgraded = tmp.resolve("change-d");
        copyTree(tmp.resolve("change-c"), upgraded);
        Files.walk(upgraded.resolve("out")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Files.move(upgraded.resolve("lib/greet-1.0.jar"), upgraded.resolve("lib/greet-1.1.jar"));
        List<String> upgradedDigests = digests(build(upgraded.resolve("app.yaml"), upgraded.resolve("out")));
        assertEquals(List.of(0), differing(before, upgradedDigests), "only the dependencies layer: " + upgradedDigests);
    }

    @Test
    void theMainClassIsFoundWhenThereIsOneAndNamedWhenThereAreNoneOrSeveral() throws Exception {
        Path dir = tmp.resolve("mains");
        javac(dir.resolve("one"), null, Map.of("a/Only.java", "package a; public class Only { public static void main(String[] x) { } }",
                "a/NotMain.java", "package a; public class NotMain { public void main(String[] x) { } static void main(int y) { } }"));
        javac(dir.resolve("none"), null, Map.of("a/NotMain.java", "package a; public class NotMain { public void main(String[] x) { } }"));
        javac(dir.resolve("several"), null, Map.of(
                "b/Zeta.java", "package b; public class Zeta { public static void main(String... x) { } }",
                "b/Alpha.java", "package b; public class Alpha { public static void main(String[] x) { } class Inner { } }",
                "b/Outer.java", "package b; public class Outer { public static class In { public static void main(String[] x) { } } }"));
        write(dir.resolve("one.yaml"), "archs: [amd64]\njava:\n  classes: [one]\n");
        Build.Result r = build(dir.resolve("one.yaml"), dir.resolve("out-one"));
        assertEquals("a.Only", r.images().get(0).config().config().entrypoint().get(3));

        write(dir.resolve("none.yaml"), "archs: [amd64]\n\njava:\n  classes: [none]\n");
        SpecException none = assertThrows(SpecException.class, () -> build(dir.resolve("none.yaml"), dir.resolve("out-none")));
        assertEquals(3, none.position().line(), none.getMessage());
        assertTrue(none.getMessage().contains("no class has a public static void main") && none.hint().contains("main-class"),
                none.getMessage());
        assertFalse(Files.exists(dir.resolve("out-none")));

        write(dir.resolve("several.yaml"), "archs: [amd64]\njava:\n  classes: [several]\n");
        SpecException several = assertThrows(SpecException.class,
                () -> build(dir.resolve("several.yaml"), dir.resolve("out-several")));
        assertEquals(2, several.position().line());
        assertTrue(several.getMessage().contains("b.Alpha, b.Outer$In, b.Zeta"), several.getMessage());
        assertFalse(Files.exists(dir.resolve("out-several")));

        write(dir.resolve("given.yaml"), "archs: [amd64]\njava:\n  classes: [several]\n  main-class: b.Zeta\n");
        assertEquals("b.Zeta", build(dir.resolve("given.yaml"), dir.resolve("out-given")).images().get(0).config().config()
                .entrypoint().get(3));
    }

    @Test
    void aMissingOrNonJarDependencyIsASpecErrorAndNothingIsWritten() throws Exception {
        Path dir = tmp.resolve("missing");
        javac(dir.resolve("classes"), null, Map.of("a/M.java", "package a; public class M { public static void main(String[] x) { } }"));
        write(dir.resolve("missing.yaml"), "archs: [amd64]\njava:\n  classes: [classes]\n  dependencies: [lib/gone.jar]\n");
        SpecException e = assertThrows(SpecException.class, () -> build(dir.resolve("missing.yaml"), dir.resolve("out")));
        assertTrue(e.getMessage().contains("lib/gone.jar") && e.position().line() == 4, e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")));

        write(dir.resolve("lib/notes.jar"), "not a zip\n");
        write(dir.resolve("notzip.yaml"), "archs: [amd64]\njava:\n  classes: [classes]\n  dependencies: [lib/*.jar]\n");
        e = assertThrows(SpecException.class, () -> build(dir.resolve("notzip.yaml"), dir.resolve("out")));
        assertTrue(e.getMessage().contains("notes.jar") && e.getMessage().contains("not a readable jar"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")));

        write(dir.resolve("typo.yaml"), "archs: [amd64]\njava:\n  clases: [classes]\n");
        e = assertThrows(SpecException.class, () -> SpecParser.parse(dir.resolve("typo.yaml")));
        assertTrue(e.getMessage().contains("classes"), e.getMessage());
    }

    @Test
    void layersGroupsSplitDependenciesAndClashingNamesGetTheirHash() throws Exception {
        Path dir = tmp.resolve("groups");
        javac(dir.resolve("classes"), null, Map.of("a/M.java", "package a; public class M { public static void main(String[] x) { } }"));
        javac(dir.resolve("b1"), null, Map.of("x/X.java", lib("x", "X", "one")));
        javac(dir.resolve("b2"), null, Map.of("x/X.java", lib("x", "X", "two")));
        jar(dir.resolve("one/util.jar"), dir.resolve("b1"));
        jar(dir.resolve("two/util.jar"), dir.resolve("b2"));
        jar(dir.resolve("lib/acme-core-1.0.jar"), dir.resolve("b1"));
        jar(dir.resolve("lib/acme-tools-1.0-SNAPSHOT.jar"), dir.resolve("b2"));
        write(dir.resolve("app.yaml"), """
                archs: [amd64]
                java:
                  classes: [classes]
                  dependencies: [two/util.jar, one/util.jar, "lib/*.jar"]
                  layers:
                    - {name: in-house, files: ["acme-*.jar"]}
                """);
        Build.Result r = build(dir.resolve("app.yaml"), dir.resolve("out"));
        List<String> history = r.images().get(0).config().history().stream().map(h -> String.valueOf(h.comment())).toList();
        assertEquals(List.of("java: dependencies", "java: dependencies: in-house", "java: classes"), history);
        String cp = new String(JavaApp.plan(SpecParser.parse(dir.resolve("app.yaml")).java(), 0).layers().get(0).entries()
                .stream().filter(e -> e.path().equals("app/classpath")).findFirst().orElseThrow().content().open().readAllBytes());
        String h2 = sha(dir.resolve("two/util.jar")).substring(0, 8);
        String h1 = sha(dir.resolve("one/util.jar")).substring(0, 8);
        assertEquals("/app/classes:/app/libs/util-" + h2 + ".jar:/app/libs/util-" + h1 + ".jar:/app/libs/acme-core-1.0.jar:"
                + "/app/libs/acme-tools-1.0-SNAPSHOT.jar\n", cp);
    }

    @Test
    void groupsByMavenGroupIdAndPermissionsPerPath() throws Exception {
        Path dir = tmp.resolve("groupids");
        javac(dir.resolve("classes"), null, Map.of("a/M.java", "package a; public class M { public static void main(String[] x) { } }"));
        write(dir.resolve("classes/a/run.sh"), "#!/bin/sh\n");
        javac(dir.resolve("b1"), null, Map.of("x/X.java", lib("x", "X", "one")));
        write(dir.resolve("b1/META-INF/maven/com.acme.billing/billing/pom.properties"),
                "groupId=com.acme.billing\nartifactId=billing\nversion=3.1\n");
        jar(dir.resolve("lib/billing-3.1.jar"), dir.resolve("b1"));
        javac(dir.resolve("b2"), null, Map.of("y/Y.java", lib("y", "Y", "two")));
        write(dir.resolve("b2/META-INF/maven/org.other/thing/pom.properties"), "groupId=org.other\nartifactId=thing\nversion=1\n");
        jar(dir.resolve("lib/thing-1.jar"), dir.resolve("b2"));
        write(dir.resolve("app.yaml"), """
                archs: [amd64]
                java:
                  classes: [classes]
                  dependencies: ["lib/*.jar"]
                  layers:
                    - {name: in-house, groups: ["com.acme*"]}
                  permissions:
                    - {path: "/app/**", owner: "1000:1001"}
                    - {path: "/app/classes/**.sh", mode: "0755"}
                    - {path: /app/libs, mode: "0750"}
                """);
        JavaApp app = JavaApp.plan(SpecParser.parse(dir.resolve("app.yaml")).java(), 0);
        assertEquals(List.of("dependencies", "dependencies: in-house", "classes"), app.layers().stream().map(JavaApp.AppLayer::name).toList());
        Map<String, dev.peel.tar.TarEntry> byPath = new java.util.HashMap<>();
        app.layers().forEach(l -> l.entries().forEach(e -> byPath.put(e.path(), e)));
        assertTrue(app.layers().get(1).entries().stream().anyMatch(e -> e.path().equals("app/libs/billing-3.1.jar")));
        assertTrue(app.layers().get(0).entries().stream().anyMatch(e -> e.path().equals("app/libs/thing-1.jar")));
        assertEquals(0755, byPath.get("app/classes/a/run.sh").mode());
        assertEquals(0644, byPath.get("app/classes/a/M.class").mode());
        assertEquals(0750, byPath.get("app/libs").mode());
        assertEquals(1000, byPath.get("app/classes/a/M.class").uid());
        assertEquals(1001, byPath.get("app/classes/a/M.class").gid());
        assertEquals(0, byPath.get("app").uid(), "the app root itself is not under /app/**");

        write(dir.resolve("typo.yaml"), """
                archs: [amd64]
                java:
                  classes: [classes]
                  permissions:
                    - {path: "/ap/**", mode: "0755"}
                """);
        SpecException e = assertThrows(SpecException.class, () -> JavaApp.plan(SpecParser.parse(dir.resolve("typo.yaml")).java(), 0));
        assertTrue(e.getMessage().contains("/ap/**") && e.getMessage().contains("matches no file") && e.position().line() == 5,
                e.getMessage());
        write(dir.resolve("badmode.yaml"), """
                archs: [amd64]
                java:
                  classes: [classes]
                  permissions:
                    - {path: "/app/**", mode: "0999"}
                """);
        e = assertThrows(SpecException.class, () -> SpecParser.parse(dir.resolve("badmode.yaml")));
        assertTrue(e.getMessage().contains("octal"), e.getMessage());
    }

    static String sha(Path p) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    static List<Integer> differing(List<String> a, List<String> b) {
        assertEquals(a.size(), b.size());
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).equals(b.get(i))) {
                out.add(i);
            }
        }
        return out;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            // Reverse order: the copy's directory listing order differs from the source's.
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.createDirectories(t.getParent());
                    Files.copy(p, t);
                }
            }
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        if (b != null) {
            out.addAll(b);
        }
        return out;
    }

    static Image arch(Build.Result r, String arch) {
        return r.images().stream().filter(i -> i.config().architecture().equals(arch)).findFirst().orElseThrow();
    }
}
