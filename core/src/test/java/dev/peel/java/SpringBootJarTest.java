package dev.peel.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.build.Build;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.cache.Cache;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import dev.peel.tar.TarEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spring Boot-shaped jars this test writes (zip entries only; nothing runs), planned and built on scratch. */
class SpringBootJarTest {
    static final String LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher";
    static final String LAYERS_IDX = """
            - "dependencies":
              - "BOOT-INF/lib/dep-1.0.jar"
              - "BOOT-INF/lib/other-2.0.jar"
            - "spring-boot-loader":
              - "org/"
            - "snapshot-dependencies":
              - "BOOT-INF/lib/"
            - "application":
              - "BOOT-INF/classes/"
              - "BOOT-INF/classpath.idx"
              - "BOOT-INF/layers.idx"
              - "META-INF/"
            """;

    @TempDir
    Path tmp;

    /** The entries of a Boot jar as Boot writes them, in its order: manifest, loader, classes, libraries, indexes. */
    static Map<String, byte[]> bootEntries(String mainSays, String layersIdx) throws IOException {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("META-INF/", null);
        e.put("META-INF/MANIFEST.MF", ("Manifest-Version: 1.0\nMain-Class: " + LAUNCHER + "\nStart-Class: app.Main\n"
                + "Spring-Boot-Classes: BOOT-INF/classes/\nSpring-Boot-Lib: BOOT-INF/lib/\n"
                + "Spring-Boot-Classpath-Index: BOOT-INF/classpath.idx\n\n").getBytes(StandardCharsets.UTF_8));
        e.put("org/", null);
        e.put("org/springframework/", null);
        e.put("org/springframework/boot/", null);
        e.put("org/springframework/boot/loader/", null);
        e.put("org/springframework/boot/loader/launch/", null);
        e.put("org/springframework/boot/loader/launch/JarLauncher.class", bytes("launcher class"));
        e.put("BOOT-INF/", null);
        e.put("BOOT-INF/classes/", null);
        e.put("BOOT-INF/classes/app/", null);
        e.put("BOOT-INF/classes/app/Main.class", bytes(mainSays));
        e.put("BOOT-INF/classes/application.properties", bytes("server.port=8080\n"));
        e.put("BOOT-INF/classes/static/", null);
        e.put("BOOT-INF/lib/", null);
        e.put("BOOT-INF/lib/dep-1.0.jar", innerJar("dep"));
        e.put("BOOT-INF/lib/other-2.0.jar", innerJar("other"));
        e.put("BOOT-INF/lib/snap-1.0-SNAPSHOT.jar", innerJar("snap"));
        e.put("BOOT-INF/classpath.idx", bytes("""
                - "BOOT-INF/lib/other-2.0.jar"
                - "BOOT-INF/lib/dep-1.0.jar"
                - "BOOT-INF/lib/snap-1.0-SNAPSHOT.jar"
                """));
        if (layersIdx != null) {
            e.put("BOOT-INF/layers.idx", bytes(layersIdx));
        }
        return e;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] innerJar(String name) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            ZipEntry e = new ZipEntry(name + "/Lib.class");
            e.setTime(0);
            z.putNextEntry(e);
            z.write(bytes(name + " library"));
        }
        return b.toByteArray();
    }

    /**
     * Writes the entries as a jar: nested jars stored (as Boot requires), the rest deflated at {@code level}, every
     * entry dated {@code time}.
     */
    static Path writeJar(Path jar, Map<String, byte[]> entries, int level, Instant time) throws IOException {
        Files.createDirectories(jar.getParent());
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            z.setLevel(level);
            for (Map.Entry<String, byte[]> en : entries.entrySet()) {
                ZipEntry e = new ZipEntry(en.getKey());
                e.setLastModifiedTime(FileTime.from(time));
                byte[] data = en.getValue();
                if (data != null && en.getKey().endsWith(".jar")) {
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(data.length);
                    e.setCrc(crc.getValue());
                }
                z.putNextEntry(e);
                if (data != null) {
                    z.write(data);
                }
                z.closeEntry();
            }
        }
        return jar;
    }

    /** A jar with the given (name, bytes) pairs as they are: names twice, hostile names (commons-compress checks neither). */
    static Path rawJar(Path jar, List<Map.Entry<String, byte[]>> entries) throws IOException {
        Files.createDirectories(jar.getParent());
        try (OutputStream os = Files.newOutputStream(jar); ZipArchiveOutputStream z = new ZipArchiveOutputStream(os)) {
            for (Map.Entry<String, byte[]> en : entries) {
                ZipArchiveEntry e = new ZipArchiveEntry(en.getKey());
                z.putArchiveEntry(e);
                if (en.getValue() != null) {
                    z.write(en.getValue());
                }
                z.closeArchiveEntry();
            }
        }
        return jar;
    }

    Path spec(String name, String java) throws IOException {
        Path p = tmp.resolve(name + ".yaml");
        Files.writeString(p, "archs: [amd64]\ncreated: 2024-01-01T00:00:00Z\njava:\n" + java);
        return p;
    }

    static JavaApp plan(Path spec) throws Exception {
        return JavaApp.plan(SpecParser.parse(spec).java(), 1704067200L);
    }

    Build.Result build(Path spec, Path out) throws Exception {
        BuildOptions o = new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(new Cache(tmp.resolve("cache")), Map.of(), Path.of("/etc/apt"), w -> { }, Instant.now()));
        return new Build(SpecParser.parse(spec), o).run(Outputs.layout(out));
    }

    static List<String> digests(Build.Result r) {
        return r.images().get(0).layers().stream().map(l -> l.digest().toString()).toList();
    }

    /** Layer name → the paths it holds (below app/), each with its type and mode. */
    static Map<String, List<String>> listing(JavaApp app) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (JavaApp.AppLayer l : app.layers()) {
            List<String> paths = new ArrayList<>();
            for (TarEntry e : l.entries()) {
                paths.add(e.path() + (e.type() == TarEntry.Type.DIRECTORY ? "/" : "") + " " + Integer.toOctalString(e.mode()));
            }
            out.put(l.name(), paths);
        }
        return out;
    }

    @Test
    void layersFollowLayersIdxInItsOrderFirstMatchWinsAndUnclaimedEntriesGoToTheLast() throws Exception {
        Map<String, byte[]> entries = bootEntries("main v1", LAYERS_IDX);
        entries.put("README.txt", bytes("claimed by no layer\n"));
        writeJar(tmp.resolve("target/app.jar"), entries, 6, Instant.parse("2020-02-02T02:02:02Z"));
        JavaApp app = plan(spec("app", "  jar: target/app.jar\n  jvm-flags: [-Xmx64m]\n  args: [--server.port=8080]\n"));

        assertEquals(List.of("/usr/bin/java", "-Xmx64m", "-cp", "/app", LAUNCHER), app.entrypoint());
        assertEquals(List.of("--server.port=8080"), app.args());
        assertEquals(LAUNCHER, app.mainClass());
        Map<String, List<String>> l = listing(app);
        assertEquals(List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application"), List.copyOf(l.keySet()));
        // dep and other are named by the first layer, so the later "BOOT-INF/lib/" prefix gets only the snapshot
        // (and the folder entry itself).
        assertEquals(List.of("app/ 755", "app/BOOT-INF/ 755", "app/BOOT-INF/lib/ 755", "app/BOOT-INF/lib/dep-1.0.jar 644",
                "app/BOOT-INF/lib/other-2.0.jar 644"), l.get("dependencies"));
        assertEquals(List.of("app/ 755", "app/BOOT-INF/ 755", "app/BOOT-INF/lib/ 755", "app/BOOT-INF/lib/snap-1.0-SNAPSHOT.jar 644"),
                l.get("snapshot-dependencies"));
        assertEquals(List.of("app/ 755", "app/org/ 755", "app/org/springframework/ 755", "app/org/springframework/boot/ 755",
                "app/org/springframework/boot/loader/ 755", "app/org/springframework/boot/loader/launch/ 755",
                "app/org/springframework/boot/loader/launch/JarLauncher.class 644"), l.get("spring-boot-loader"));
        // BOOT-INF/ itself and README.txt are claimed by no layer: the last one takes them; an empty folder is kept.
        assertEquals(List.of("app/ 755", "app/BOOT-INF/ 755", "app/BOOT-INF/classes/ 755", "app/BOOT-INF/classes/app/ 755",
                "app/BOOT-INF/classes/app/Main.class 644", "app/BOOT-INF/classes/application.properties 644",
                "app/BOOT-INF/classes/static/ 755", "app/BOOT-INF/classpath.idx 644", "app/BOOT-INF/layers.idx 644",
                "app/META-INF/ 755", "app/META-INF/MANIFEST.MF 644", "app/README.txt 644"), l.get("application"));
        for (JavaApp.AppLayer layer : app.layers()) {
            for (TarEntry e : layer.entries()) {
                assertEquals(0, e.uid());
                assertEquals(0, e.gid());
                assertEquals(1704067200L, e.mtime(), e.path());
            }
        }
        // The bytes are the entries' own, inflated (the class) or stored (a library jar).
        TarEntry main = app.layers().get(3).entries().stream().filter(e -> e.path().endsWith("Main.class")).findFirst().orElseThrow();
        assertEquals("main v1", new String(main.content().open().readAllBytes(), StandardCharsets.UTF_8));
        TarEntry dep = app.layers().get(0).entries().stream().filter(e -> e.path().endsWith("dep-1.0.jar")).findFirst().orElseThrow();
        assertTrue(java.util.Arrays.equals(innerJar("dep"), dep.content().open().readAllBytes()));

        // The image's history names the layers as layers.idx does.
        Build.Result r = build(tmp.resolve("app.yaml"), tmp.resolve("out"));
        assertEquals(List.of("java: dependencies", "java: spring-boot-loader", "java: snapshot-dependencies", "java: application"),
                r.images().get(0).config().history().stream().map(h -> h.comment()).toList());
        var c = r.images().get(0).config().config();
        assertEquals(List.of("/usr/bin/java", "-Xmx64m", "-cp", "/app", LAUNCHER), c.entrypoint());
        assertEquals(List.of("--server.port=8080"), c.cmd());
    }

    @Test
    void emptyLayersAreLeftOutAndAnotherAppRootIsHonoured() throws Exception {
        Map<String, byte[]> entries = bootEntries("main", LAYERS_IDX.replace("  - \"BOOT-INF/lib/\"\n", "")
                .replace("  - \"BOOT-INF/lib/other-2.0.jar\"\n", "  - \"BOOT-INF/lib/\"\n"));
        writeJar(tmp.resolve("app.jar"), entries, 6, Instant.EPOCH);
        JavaApp app = plan(spec("root", "  jar: app.jar\n  app-root: /srv/boot\n"));
        assertEquals(List.of("dependencies", "spring-boot-loader", "application"),
                app.layers().stream().map(JavaApp.AppLayer::name).toList());
        assertTrue(app.layers().get(0).entries().stream().anyMatch(e -> e.path().equals("srv/boot/BOOT-INF/lib/snap-1.0-SNAPSHOT.jar")));
        assertEquals(List.of("/usr/bin/java", "-cp", "/srv/boot", LAUNCHER), app.entrypoint());
    }

    @Test
    void permissionsApplyToABootJarsEntries() throws Exception {
        writeJar(tmp.resolve("app.jar"), bootEntries("main", LAYERS_IDX), 6, Instant.EPOCH);
        JavaApp app = plan(spec("perm", "  jar: app.jar\n  permissions:\n    - {path: \"/app/BOOT-INF/**\", owner: \"1000:1000\"}\n"
                + "    - {path: /app/BOOT-INF/classpath.idx, mode: \"0600\"}\n"));
        Map<String, TarEntry> byPath = new LinkedHashMap<>();
        app.layers().forEach(l -> l.entries().forEach(e -> byPath.put(e.path(), e)));
        assertEquals(0600, byPath.get("app/BOOT-INF/classpath.idx").mode());
        assertEquals(1000, byPath.get("app/BOOT-INF/classpath.idx").uid());
        assertEquals(1000, byPath.get("app/BOOT-INF/lib/dep-1.0.jar").gid());
        assertEquals(0, byPath.get("app/org").uid(), "the loader is outside BOOT-INF/");
    }

    @Test
    void withoutLayersIdxBootsDefaultLayersAreUsed() throws Exception {
        writeJar(tmp.resolve("app.jar"), bootEntries("main", null), 6, Instant.EPOCH);
        JavaApp app = plan(spec("noidx", "  jar: app.jar\n"));
        Map<String, List<String>> l = listing(app);
        assertEquals(List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application"), List.copyOf(l.keySet()));
        assertTrue(l.get("dependencies").containsAll(List.of("app/BOOT-INF/lib/dep-1.0.jar 644", "app/BOOT-INF/lib/other-2.0.jar 644")),
                l.toString());
        assertEquals(List.of("app/ 755", "app/BOOT-INF/ 755", "app/BOOT-INF/lib/ 755", "app/BOOT-INF/lib/snap-1.0-SNAPSHOT.jar 644"),
                l.get("snapshot-dependencies"));
        assertTrue(l.get("spring-boot-loader").contains("app/org/springframework/boot/loader/launch/JarLauncher.class 644"));
        assertTrue(l.get("application").contains("app/org/springframework/boot/ 755"), "a folder entry above the loader");
        assertTrue(l.get("application").containsAll(List.of("app/BOOT-INF/classes/app/Main.class 644",
                "app/BOOT-INF/classpath.idx 644", "app/META-INF/MANIFEST.MF 644")), l.toString());

        // A jar without layers.idx and without Start-Class is a plain jar: it keeps the plain layout.
        Map<String, byte[]> plain = bootEntries("main", null);
        plain.put("META-INF/MANIFEST.MF", bytes("Manifest-Version: 1.0\nMain-Class: app.Main\n\n"));
        writeJar(tmp.resolve("plain.jar"), plain, 6, Instant.EPOCH);
        JavaApp p = plan(spec("plain", "  jar: plain.jar\n"));
        assertEquals(List.of("jar"), p.layers().stream().map(JavaApp.AppLayer::name).toList());
        assertEquals("app.Main", p.mainClass());
    }

    @Test
    void theSameJarGivesTheSameLayersAndOneChangedClassChangesOnlyTheApplicationLayer() throws Exception {
        writeJar(tmp.resolve("a/app.jar"), bootEntries("main v1", LAYERS_IDX), 6, Instant.parse("2020-02-02T02:02:02Z"));
        Files.writeString(tmp.resolve("a/app.yaml"), "archs: [amd64]\ncreated: 2024-01-01T00:00:00Z\njava:\n  jar: app.jar\n");
        List<String> before = digests(build(tmp.resolve("a/app.yaml"), tmp.resolve("a/out")));
        assertEquals(4, before.size());

        // The same content zipped again: other entry times, another compression level, another folder.
        writeJar(tmp.resolve("b/app.jar"), bootEntries("main v1", LAYERS_IDX), 9, Instant.parse("2023-03-03T03:03:03Z"));
        Files.copy(tmp.resolve("a/app.yaml"), tmp.resolve("b/app.yaml"));
        assertEquals(before, digests(build(tmp.resolve("b/app.yaml"), tmp.resolve("b/out"))), "same content, same layers");

        writeJar(tmp.resolve("c/app.jar"), bootEntries("main v2", LAYERS_IDX), 6, Instant.parse("2020-02-02T02:02:02Z"));
        Files.copy(tmp.resolve("a/app.yaml"), tmp.resolve("c/app.yaml"));
        List<String> after = digests(build(tmp.resolve("c/app.yaml"), tmp.resolve("c/out")));
        assertEquals(List.of(3), JavaAppTest.differing(before, after), "only the application layer: " + before + " " + after);
    }

    @Test
    void aFullyExecutableJarGivesTheSameLayersAndAnOlderBootsLauncherIsKept() throws Exception {
        Path jar = writeJar(tmp.resolve("app.jar"), bootEntries("main", LAYERS_IDX), 6, Instant.EPOCH);
        // spring-boot-maven-plugin's <executable>true</executable>: a shell script in front of the zip.
        Files.createDirectories(tmp.resolve("exec"));
        Files.write(tmp.resolve("exec/app.jar"), concat(bytes("#!/bin/bash\nexec java -jar \"$0\" \"$@\"\n"),
                Files.readAllBytes(jar)), java.nio.file.StandardOpenOption.CREATE_NEW);
        assertEquals(contents(plan(spec("plain-zip", "  jar: app.jar\n"))), contents(plan(spec("exec", "  jar: exec/app.jar\n"))));

        // Before Boot 3.2 the launcher was org.springframework.boot.loader.JarLauncher (and layers.idx optional).
        Map<String, byte[]> old = bootEntries("main", null);
        old.put("META-INF/MANIFEST.MF", bytes("Manifest-Version: 1.0\nMain-Class: org.springframework.boot.loader.JarLauncher\n"
                + "Start-Class: app.Main\n\n"));
        old.put("org/springframework/boot/loader/JarLauncher.class", bytes("old launcher"));
        writeJar(tmp.resolve("old.jar"), old, 6, Instant.EPOCH);
        JavaApp app = plan(spec("old", "  jar: old.jar\n"));
        assertEquals(List.of("/usr/bin/java", "-cp", "/app", "org.springframework.boot.loader.JarLauncher"), app.entrypoint());
        assertTrue(listing(app).get("spring-boot-loader").contains("app/org/springframework/boot/loader/JarLauncher.class 644"));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Layer → path → the bytes' sha256 (folders: "dir"). */
    static Map<String, Map<String, String>> contents(JavaApp app) throws Exception {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (JavaApp.AppLayer l : app.layers()) {
            Map<String, String> files = new TreeMap<>();
            for (TarEntry e : l.entries()) {
                files.put(e.path(), e.type() == TarEntry.Type.DIRECTORY ? "dir"
                        : java.util.HexFormat.of().formatHex(e.content().sha256()));
            }
            out.put(l.name(), files);
        }
        return out;
    }

    @Test
    void hostileOrAmbiguousEntriesAreRefusedNamingTheJarAndTheEntry() throws Exception {
        Map<String, String> hostile = new TreeMap<>(Map.of(
                "../evil.txt", "'..'",
                "BOOT-INF/classes/../../../etc/passwd", "'..'",
                "/etc/passwd", "absolute",
                "BOOT-INF//classes/x.class", "empty or '.'",
                "BOOT-INF/classes/.wh.app", ".wh."));
        int n = 0;
        for (Map.Entry<String, String> h : hostile.entrySet()) {
            List<Map.Entry<String, byte[]>> entries = new ArrayList<>(bootEntries("main", LAYERS_IDX).entrySet());
            entries.add(Map.entry(h.getKey(), bytes("x")));
            rawJar(tmp.resolve("h" + n + "/app.jar"), entries);
            Path spec = tmp.resolve("h" + n + "/app.yaml");
            Files.writeString(spec, "archs: [amd64]\njava:\n\n  jar: app.jar\n");
            SpecException e = assertThrows(SpecException.class, () -> build(spec, spec.resolveSibling("out")), h.getKey());
            assertEquals(4, e.position().line(), e.getMessage());
            assertTrue(e.getMessage().contains("app.jar: entry '" + h.getKey() + "'") && e.getMessage().contains(h.getValue()),
                    e.getMessage());
            assertFalse(Files.exists(spec.resolveSibling("out")));
            n++;
        }

        // One name twice: the same bytes are kept once, different bytes are an error.
        List<Map.Entry<String, byte[]>> same = new ArrayList<>(bootEntries("main", LAYERS_IDX).entrySet());
        same.add(Map.entry("BOOT-INF/classes/app/Main.class", bytes("main")));
        rawJar(tmp.resolve("same/app.jar"), same);
        assertEquals(1, plan(spec("same", "  jar: same/app.jar\n")).layers().get(3).entries().stream()
                .filter(e -> e.path().endsWith("/Main.class")).count());

        List<Map.Entry<String, byte[]>> twice = new ArrayList<>(bootEntries("main", LAYERS_IDX).entrySet());
        twice.add(Map.entry("BOOT-INF/classes/app/Main.class", bytes("other main")));
        rawJar(tmp.resolve("twice/app.jar"), twice);
        SpecException e = assertThrows(SpecException.class, () -> plan(spec("twice", "  jar: twice/app.jar\n")));
        assertTrue(e.getMessage().contains("app.jar: entry 'BOOT-INF/classes/app/Main.class' is given twice with different content"),
                e.getMessage());

        // A file that another entry (in another layer) uses as a folder.
        List<Map.Entry<String, byte[]>> parent = new ArrayList<>(bootEntries("main", LAYERS_IDX).entrySet());
        parent.add(0, Map.entry("BOOT-INF/lib", bytes("a file")));
        rawJar(tmp.resolve("parent/app.jar"), parent);
        e = assertThrows(SpecException.class, () -> plan(spec("parent", "  jar: parent/app.jar\n")));
        assertTrue(e.getMessage().contains("entry 'BOOT-INF/lib'") && e.getMessage().contains("is both a file and a folder"),
                e.getMessage());
        parent.remove(0);
        parent.add(Map.entry("org/springframework/boot/loader/launch/JarLauncher.class/x", bytes("x")));
        rawJar(tmp.resolve("parent2/app.jar"), parent);
        e = assertThrows(SpecException.class, () -> plan(spec("parent2", "  jar: parent2/app.jar\n")));
        assertTrue(e.getMessage().contains("JarLauncher.class' is a file, and entry 'org/springframework/boot/loader/launch/"
                + "JarLauncher.class/x' uses it as a folder"), e.getMessage());
    }

    @Test
    void aBadLayersIdxMissingLauncherOrStartClassIsASpecError() throws Exception {
        writeJar(tmp.resolve("bad/app.jar"), bootEntries("main", LAYERS_IDX + "application\n"), 6, Instant.EPOCH);
        SpecException e = assertThrows(SpecException.class, () -> plan(spec("bad", "  jar: bad/app.jar\n")));
        assertTrue(e.getMessage().contains("app.jar!/BOOT-INF/layers.idx line 13: 'application'"), e.getMessage());

        writeJar(tmp.resolve("twice/app.jar"), bootEntries("main", LAYERS_IDX + "- \"dependencies\":\n"), 6, Instant.EPOCH);
        e = assertThrows(SpecException.class, () -> plan(spec("twice", "  jar: twice/app.jar\n")));
        assertTrue(e.getMessage().contains("line 13: layer \"dependencies\" is given twice"), e.getMessage());

        Map<String, byte[]> noLauncher = bootEntries("main", LAYERS_IDX);
        noLauncher.remove("org/springframework/boot/loader/launch/JarLauncher.class");
        writeJar(tmp.resolve("nolauncher/app.jar"), noLauncher, 6, Instant.EPOCH);
        e = assertThrows(SpecException.class, () -> plan(spec("nolauncher", "  jar: nolauncher/app.jar\n")));
        assertTrue(e.getMessage().contains("Main-Class " + LAUNCHER + " is not in the jar"), e.getMessage());

        Map<String, byte[]> noStart = bootEntries("main", LAYERS_IDX);
        noStart.put("META-INF/MANIFEST.MF", bytes("Manifest-Version: 1.0\nMain-Class: " + LAUNCHER + "\n\n"));
        writeJar(tmp.resolve("nostart/app.jar"), noStart, 6, Instant.EPOCH);
        e = assertThrows(SpecException.class, () -> plan(spec("nostart", "  jar: nostart/app.jar\n")));
        assertTrue(e.getMessage().contains("names no Start-Class, which " + LAUNCHER + " needs"), e.getMessage());
    }

    @Test
    void aBootJarTakesNoOtherClassesDependenciesOrMainClass() throws Exception {
        writeJar(tmp.resolve("app.jar"), bootEntries("main", LAYERS_IDX), 6, Instant.EPOCH);
        Files.createDirectories(tmp.resolve("classes"));
        SpecException e = assertThrows(SpecException.class,
                () -> plan(spec("classes", "  jar: app.jar\n  classes: [classes]\n")));
        assertTrue(e.getMessage().contains("java.jar and java.classes exclude each other")
                && e.hint().contains("Spring Boot jar brings its classes and dependencies"), e.getMessage());
        e = assertThrows(SpecException.class, () -> plan(spec("deps", "  jar: app.jar\n  dependencies: [app.jar]\n")));
        assertTrue(e.getMessage().contains("java.jar and java.dependencies exclude each other"), e.getMessage());
        e = assertThrows(SpecException.class, () -> plan(spec("project", "  jar: app.jar\n  project-dependencies: [app.jar]\n")));
        assertEquals(5, e.position().line(), e.getMessage());
        assertTrue(e.getMessage().contains("a Spring Boot jar holds its dependencies under BOOT-INF/lib/"), e.getMessage());

        e = assertThrows(SpecException.class, () -> plan(spec("main", "  jar: app.jar\n  main-class: app.Other\n")));
        assertTrue(e.getMessage().contains("java.main-class app.Other cannot go with") && e.getMessage().contains("Start-Class (app.Main)"),
                e.getMessage());
        // Naming the Start-Class (or the launcher) itself changes nothing.
        assertEquals(LAUNCHER, plan(spec("start", "  jar: app.jar\n  main-class: app.Main\n")).mainClass());

        // With a linked runtime, Boot's launcher runs on its java.
        assertEquals(List.of(Jlink.JAVA, "-cp", "/app", LAUNCHER), plan(spec("jlink", "  jar: app.jar\n  runtime: jlink\n")).entrypoint());
    }
}
