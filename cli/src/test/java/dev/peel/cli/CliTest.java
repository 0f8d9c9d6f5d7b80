package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    Result peel(String... args) {
        // Every run uses a cache of this test's own, never the user's.
        String[] withCache = java.util.Arrays.copyOf(args, args.length + 2);
        withCache[args.length] = "--cache";
        withCache[args.length + 1] = tmp.resolve("cache").toString();
        args = args.length > 0 && (args[0].equals("resolve") || args[0].equals("lock") || args[0].equals("build")) ? withCache : args;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeEach
    void sources() throws Exception {
        Files.writeString(tmp.resolve("hello"), "#!/bin/true\n");
    }

    Path spec(String yaml) throws Exception {
        Path f = tmp.resolve("spec.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void helpDocumentsExitCodesEverywhere() {
        for (List<String> args : List.of(List.of("--help"), List.of("build", "--help"), List.of("inspect", "--help"),
                List.of("resolve", "--help"), List.of("lock", "--help"))) {
            Result r = peel(args.toArray(String[]::new));
            assertEquals(0, r.exit());
            assertTrue(r.out().contains("Exit codes:") && r.out().contains("2    usage or spec error"), r.out());
        }
    }

    @Test
    void buildPrintsTheDigestAndInspectShowsTheImage() throws Exception {
        Path s = spec("""
                created: 2024-01-01T00:00:00Z
                files:
                  - {path: /usr/local/bin/hello, source: hello, mode: "0755", owner: "65532:65532"}
                  - {path: /usr/bin/hi, type: symlink, target: /usr/local/bin/hello}
                entrypoint: [/usr/local/bin/hello]
                env: {LANG: C.UTF-8}
                """);
        Path out = tmp.resolve("out/hello");
        Result b = peel("build", s.toString(), "-o", out.toString(), "-q");
        assertEquals(0, b.exit(), b.err());
        assertTrue(b.out().matches("sha256:[0-9a-f]{64}\n"), b.out());
        assertEquals("", b.err(), "-q prints no summary");

        Result i = peel("inspect", out.toString());
        assertEquals(0, i.exit(), i.err());
        assertTrue(i.out().contains("latest → " + b.out().trim()), i.out());
        assertTrue(i.out().contains("entrypoint [/usr/local/bin/hello]"), i.out());
        assertTrue(i.out().contains("layers: 1"), i.out());

        Result f = peel("inspect", out + ":latest", "--files");
        assertEquals(0, f.exit(), f.err());
        assertEquals(List.of(
                "drwxr-xr-x 0:0                  0 /usr",
                "drwxr-xr-x 0:0                  0 /usr/bin",
                "lrwxrwxrwx 0:0                  0 /usr/bin/hi -> /usr/local/bin/hello",
                "drwxr-xr-x 0:0                  0 /usr/local",
                "drwxr-xr-x 0:0                  0 /usr/local/bin",
                "-rwxr-xr-x 65532:65532         12 /usr/local/bin/hello"), f.out().lines().toList());
        assertEquals(f.out(), peel("inspect", out.toString(), "--files", "--layer", "1").out());
        assertEquals(2, peel("inspect", out.toString(), "--files", "--layer", "7").exit());
        assertEquals(2, peel("inspect", tmp.resolve("nowhere").toString()).exit());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown key          | files: [{path: /a, content: x, moed: '0644'}]                         | spec.yaml:1:32: unknown key 'moed'
            wrong type           | archs: amd64                                                          | spec.yaml:1:8: archs must be a list
            missing source       | files: [{path: /a, source: nope}]                                     | spec.yaml:1:28: source 'nope' does not exist
            escaping path        | files: [{path: /../etc/shadow, content: x}]                           | spec.yaml:1:16: files[0].path '/../etc/shadow' uses '..'
            duplicate path       | files: [{path: /a, content: x}, {path: /a, content: y}]               | spec.yaml:1:33: /a is given twice with different content
            invalid mode         | files: [{path: /a, content: x, mode: '0888'}]                         | spec.yaml:1:38: files[0].mode '0888' is not an octal mode
            invalid owner        | files: [{path: /a, content: x, owner: 'x:y:z'}]                       | spec.yaml:1:39: files[0].owner 'x:y:z' is not uid[:gid]
            unknown arch         | archs: [amd64, sparc]                                                 | spec.yaml:1:16: unknown arch 'sparc'
            """)
    void badInputIsOneClearErrorWithExitTwoAndNoOutput(String name, String yaml, String expected) throws Exception {
        Path s = spec(yaml + "\n");
        Path out = tmp.resolve("out");
        Result r = peel("build", s.toString(), "-o", out.resolve("img").toString(), "--oci-tar", out.resolve("img.tar").toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("peel: " + tmp.resolve("spec.yaml") + ":"), first);
        assertTrue(first.contains(expected.replace("spec.yaml", "")), first + " should contain " + expected);
        assertTrue(r.err().lines().count() <= 2, "one error and at most a hint: " + r.err());
        if (Files.exists(out)) {
            try (Stream<Path> left = Files.list(out)) {
                assertEquals(List.of(), left.toList(), "nothing written");
            }
        }
    }

    /** A java: application's errors are spec errors (exit 2) naming the file and line, and nothing is written. */
    @Test
    void javaAppErrorsExitTwoNamingTheLineAndWriteNothing() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/a"));
        Files.writeString(src.resolve("One.java"), "package a; public class One { public static void main(String[] x) { } }");
        Files.writeString(src.resolve("Two.java"), "package a; public class Two { public static void main(String[] x) { } }");
        assertEquals(0, java.util.spi.ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err, "--release", "17",
                "-d", tmp.resolve("classes").toString(), src.resolve("One.java").toString(), src.resolve("Two.java").toString()));
        Files.writeString(tmp.resolve("broken.jar"), "not a zip");
        Path out = tmp.resolve("out/app");
        record Case(String yaml, String says, int line) {
        }
        for (Case c : List.of(
                new Case("archs: [amd64]\njava:\n  classes: [classes]\n  main-class: a.One\n  dependencies: [lib/gone.jar]\n",
                        "lib/gone.jar", 5),
                new Case("archs: [amd64]\njava:\n  classes: [classes]\n  main-class: a.One\n  dependencies: [broken.jar]\n",
                        "broken.jar is not a readable jar", 5),
                new Case("archs: [amd64]\njava:\n  classes: [classes]\n", "several classes have a public static void main(String[]) method: a.One, a.Two", 2),
                new Case("archs: [amd64]\njava:\n  jar: missing.jar\n", "missing.jar", 3))) {
            Result r = peel("build", spec(c.yaml()).toString(), "-o", out.toString(), "-q");
            assertEquals(2, r.exit(), c.yaml() + r.err());
            assertTrue(r.err().contains("spec.yaml:" + c.line() + ":") && r.err().contains(c.says()), r.err());
            assertEquals(1, r.err().strip().lines().filter(l -> l.startsWith("peel:")).count(), r.err());
            assertFalse(Files.exists(out.getParent()), "nothing is written");
        }
        Result ok = peel("build", spec("archs: [amd64]\ncreated: 2024-01-01T00:00:00Z\njava:\n  classes: [classes]\n  main-class: a.Two\n")
                .toString(), "-o", out.toString(), "-q");
        assertEquals(0, ok.exit(), ok.err());
    }

    @Test
    void resolvePrintsTheClosureSortedAndExplainsWhy() throws Exception {
        Path s = spec("archs: [amd64]\ndebian:\n  suite: bookworm\n  packages: [busybox-static, \"libc6 (>= 2.36)\"]\n");
        Result r = peel("resolve", s.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(lines.stream().sorted().toList(), lines);
        assertTrue(lines.stream().anyMatch(l -> l.matches("busybox-static 1:1\\.35\\.0-\\S+ amd64")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("libc6 2.36-")), r.out());
        Result why = peel("resolve", s.toString(), "--why", "libc6");
        assertEquals("libc6 (amd64): requested\n", why.out());
        Result explicit = peel("resolve", spec("debian: {packages: [curl], resolve: explicit}\n").toString(), "--arch", "arm64");
        assertEquals(0, explicit.exit(), explicit.err());
        assertTrue(explicit.out().matches("curl \\S+ arm64\n"), explicit.out());
    }

    @Test
    void lockRecordsTheClosureAndGoesStaleWhenTheSpecChanges() throws Exception {
        Path s = tmp.resolve("image.yaml");
        Files.writeString(s, "archs: [amd64, arm64]\ndebian:\n  packages: [\"libc6 (>= 2.36)\", zlib1g]\n");
        Result lock = peel("lock", s.toString(), "-q");
        assertEquals(0, lock.exit(), lock.err());
        Path file = tmp.resolve("image.lock.json");
        assertEquals(file.toString(), lock.out().trim());
        byte[] bytes = Files.readAllBytes(file);
        dev.peel.debian.Lock l = dev.peel.debian.Lock.parse(bytes);
        assertEquals(java.util.Arrays.toString(bytes), java.util.Arrays.toString(l.toJson()), "parses back to the same bytes");
        assertEquals(List.of("libc6 (>= 2.36)", "zlib1g"), l.request().packages());
        assertEquals(java.util.Set.of("amd64", "arm64"), l.archs().keySet());
        assertEquals(3, l.sources().size(), "bookworm, bookworm-updates, bookworm-security");
        assertTrue(l.sources().stream().allMatch(x -> x.inReleaseSha256().matches("[0-9a-f]{64}")));
        for (String arch : List.of("amd64", "arm64")) {
            List<String> locked = l.archs().get(arch).stream().map(p -> p.name() + " " + p.version() + " " + p.arch()).toList();
            assertEquals(peel("resolve", s.toString(), "--arch", arch).out().lines().toList(), locked);
            assertTrue(l.archs().get(arch).stream().allMatch(p -> p.size() > 0 && p.filename().startsWith("pool/")));
        }
        Files.writeString(s, "archs: [amd64]\ndebian:\n  packages: [\"libc6 (>= 2.36)\", zlib1g, libzstd1]\n");
        Result stale = peel("resolve", s.toString());
        assertEquals(0, stale.exit());
        assertTrue(stale.err().contains("image.lock.json is stale: the spec's packages changed (added [libzstd1], removed [])"),
                stale.err());
    }

    @Test
    void resolvesForEveryReleaseArchitectureInOneCommand() throws Exception {
        // The archive's own suites: the mirror this project's machines use serves a -security suite whose
        // indexes for some architectures do not match its InRelease (peel refuses those, exit 3, as apt would).
        String archive = dev.peel.debian.Mirrors.archive(System.getenv(), Path.of("/etc/apt")).orElseThrow().toString();
        Path s = spec("debian:\n  sources: [{url: \"" + archive + "\", suites: [bookworm, bookworm-updates]}]\n"
                + "  packages: [busybox-static, libc6]\n");
        List<String> archs = List.of("amd64", "arm64", "armhf", "i386", "ppc64el", "s390x");
        List<String> args = new java.util.ArrayList<>(List.of("resolve", s.toString()));
        for (String a : archs) {
            args.add("--arch");
            args.add(a);
        }
        Result r = peel(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        for (String a : archs) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("busybox-static ") && l.endsWith(" " + a)), a + ": " + r.out());
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("libc6 ") && l.endsWith(" " + a)), a + ": " + r.out());
        }
    }

    @Test
    void resolveErrorsHaveTheirOwnExitCodes() throws Exception {
        assertEquals(2, peel("resolve", spec("files: []\n").toString()).exit(), "no debian section");
        Result bad = peel("resolve", spec("debian:\n  packages: [\"curl (>> )\"]\n").toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().startsWith("peel: " + tmp.resolve("spec.yaml") + ":2:"), bad.err());
        Result missing = peel("resolve", spec("debian: {packages: [no-such-package-at-all]}\n").toString(), "--arch", "amd64");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no-such-package-at-all is not available for amd64 in bookworm"), missing.err());
        Result untrusted = peel("resolve", spec("debian:\n  sources: [{url: \"file:///nonexistent/repo\", suites: [x]}]\n"
                + "  packages: [curl]\n").toString(), "--arch", "amd64");
        assertEquals(3, untrusted.exit(), untrusted.err());
        Path locked = spec("archs: [amd64]\ndebian: {packages: [netbase]}\n");
        assertEquals(0, peel("lock", locked.toString()).exit());
        Files.writeString(locked, "archs: [amd64]\ndebian: {packages: [netbase, tzdata]}\n");
        Result stale = peel("build", locked.toString(), "-o", tmp.resolve("o").toString());
        assertEquals(2, stale.exit());
        assertTrue(stale.err().contains("spec.lock.json is stale") && stale.err().contains("run peel lock"), stale.err());
        assertFalse(Files.exists(tmp.resolve("o")), "nothing written");
        Files.delete(tmp.resolve("spec.lock.json"));
        Result unknown = peel("build", spec("archs: [amd64]\ndebian: {packages: [no-such-package-at-all]}\n").toString(),
                "-o", tmp.resolve("o").toString());
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("no-such-package-at-all is not available for amd64"), unknown.err());
        assertFalse(Files.exists(tmp.resolve("o")), "nothing written");
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Path s = spec("files: [{path: /a, content: x}]\n");
        assertEquals(2, peel("build", s.toString()).exit(), "no output given");
        assertEquals(2, peel("build", s.toString(), "-o", tmp.resolve("o").toString(), "--compression", "lz4").exit());
        assertEquals(2, peel("build", s.toString(), "-o", tmp.resolve("o").toString(), "--platform", "arm64").exit());
        assertEquals(2, peel("build", s.toString(), "--docker-tar", tmp.resolve("d.tar").toString(), "--platform", "s390x").exit());
        assertEquals(2, peel("build", s.toString(), "--bogus").exit());
        assertEquals(2, peel("build", tmp.resolve("missing.yaml").toString(), "-o", tmp.resolve("o").toString()).exit());
        assertEquals(2, peel("frobnicate").exit());
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    @Test
    void presetsAreListedShownAndBuiltByName() throws Exception {
        Result list = peel("presets");
        assertEquals(0, list.exit());
        for (String p : List.of("static-debian12", "base-nossl-debian12", "base-debian12", "cc-debian12", "static-debian13", "cc-debian13")) {
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith(p + " ")), p + " in\n" + list.out());
        }
        Result show = peel("presets", "--show", "base");
        assertEquals(0, show.exit());
        assertTrue(show.out().contains("base: static") && show.out().contains("libssl3"), show.out());
        assertEquals(2, peel("presets", "--show", "nothing-like-it").exit());
        assertEquals(2, peel("build", "static", "--arch", "vax", "-o", tmp.resolve("o").toString()).exit());
        Result built = peel("-q", "build", "static", "--arch", "amd64", "-o", tmp.resolve("static").toString());
        assertEquals(0, built.exit(), built.err());
        assertTrue(built.out().strip().matches("sha256:[0-9a-f]{64}"), built.out());
        assertTrue(Files.isRegularFile(tmp.resolve("static/index.json")));
    }
}
