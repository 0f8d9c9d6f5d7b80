package dev.peel.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.image.BuiltImage;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.MediaType;
import dev.peel.spec.SpecException;
import dev.peel.tar.Content;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The checks' semantics on an image made of hand-written layers (whiteouts, links), and command tests through a double. */
class StructureTestsTest {
    record MemoryLayer(byte[] tar) implements Layer {
        @Override
        public Digest digest() {
            return Digest.of(tar);
        }

        @Override
        public Digest diffId() {
            return Digest.of(tar);
        }

        @Override
        public long size() {
            return tar.length;
        }

        @Override
        public MediaType mediaType() {
            return MediaType.OCI_LAYER;
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(tar);
        }
    }

    static MemoryLayer layer(TarEntry... entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(b)) {
            for (TarEntry e : entries) {
                w.write(e);
            }
            w.finish();
        }
        return new MemoryLayer(b.toByteArray());
    }

    static TarEntry file(String path, int mode, String text) {
        return TarEntry.file(path, mode, 0, 0, 0, Content.ofBytes(text.getBytes(StandardCharsets.UTF_8)));
    }

    static Image image(List<String> env, List<MemoryLayer> layers) {
        ImageConfig.Container c = new ImageConfig.Container("65532", new TreeSet<>(List.of("8080/tcp", "53/udp")), env,
                List.of("/app"), List.of("--serve"), "/srv", new TreeMap<>(Map.of("tier", "web-2.1")), null,
                new TreeSet<>(List.of("/data")));
        ImageConfig config = new ImageConfig("1970-01-01T00:00:00Z", "linux", "amd64", null, c,
                layers.stream().map(MemoryLayer::diffId).toList(), List.of());
        return new BuiltImage(config, new ArrayList<>(layers), Map.of());
    }

    /** Two layers: the upper one replaces a file, deletes a file and a folder by whiteouts, and makes one opaque. */
    static Image layered() throws IOException {
        MemoryLayer lower = layer(
                TarEntry.directory("etc", 0755, 0, 0, 0),
                file("etc/motd", 0644, "old motd\n"),
                file("etc/gone", 0644, "x"),
                TarEntry.directory("opt/old", 0755, 0, 0, 0),
                file("opt/old/a", 0644, "a"),
                TarEntry.directory("var/cache", 0755, 0, 0, 0),
                file("var/cache/stale", 0644, "stale"),
                file("usr/bin/tool", 04755, "#!tool"),
                TarEntry.hardlink("usr/bin/tool2", "usr/bin/tool", 04755, 0, 0, 0),
                TarEntry.directory("tmp", 01777, 0, 0, 0),
                TarEntry.directory("usr/share/doc/good", 0755, 0, 0, 0),
                file("usr/share/doc/good/copyright", 0644, "License: MIT\n"),
                TarEntry.directory("usr/share/doc/bad", 0755, 0, 0, 0),
                file("usr/share/doc/bad/copyright", 0644, "License: agpl-3\n"),
                TarEntry.directory("usr/share/doc/libgnutls30", 0755, 0, 0, 0),
                file("usr/share/doc/libgnutls30/copyright", 0644, "AGPL mentioned\n"),
                TarEntry.symlink("usr/share/doc/linked", "good", 0, 0, 0),
                TarEntry.directory("usr/share/doc/nocopyright", 0755, 0, 0, 0));
        MemoryLayer upper = layer(
                file("etc/motd", 0600, "new motd\n"),
                file("etc/.wh.gone", 0644, ""),
                file("opt/.wh.old", 0644, ""),
                file("var/cache/.wh..wh..opq", 0644, ""),
                file("var/cache/fresh", 0644, "fresh"),
                TarEntry.symlink("etc/os-release", "../usr/lib/os-release", 0, 0, 0),
                TarEntry.symlink("lib", "usr/lib", 0, 0, 0),
                file("usr/lib/os-release", 0644, "ID=debian\n"),
                TarEntry.symlink("etc/loop", "/etc/loop", 0, 0, 0),
                TarEntry.file("home/app/.profile", 0640, 1000, 1000, 0, Content.ofBytes(new byte[0])));
        return image(List.of("PATH=/usr/bin:/bin", "APP_HOME=/home/app", "LANG=C.UTF-8"), List.of(lower, upper));
    }

    static List<TestResult> run(Image image, String yaml, CommandRunner runner) throws Exception {
        Suite s = SuiteParser.parse(yaml, "t.yaml");
        return new StructureTests(image, runner).run(List.of(s)).get(0);
    }

    static Map<String, TestResult> byName(List<TestResult> results) {
        Map<String, TestResult> m = new LinkedHashMap<>();
        results.forEach(r -> m.put(r.name(), r));
        return m;
    }

    @Test
    void fileTestsSeeTheMergedTreeWithWhiteoutsAndTheLastLayersBytes() throws Exception {
        Map<String, TestResult> r = byName(run(layered(), """
                schemaVersion: 2.0.0
                fileContentTests:
                  - {name: upper motd, path: /etc/motd, expectedContents: ['^new motd\\n$'], excludedContents: [old, '^new motd$']}
                  - {name: stale motd, path: /etc/motd, expectedContents: [old]}
                  - {name: through links, path: /lib/../etc/os-release, expectedContents: [ID=debian]}
                  - {name: hardlink bytes, path: /usr/bin/tool2, expectedContents: ['#!tool']}
                  - {name: deleted, path: /etc/gone}
                  - {name: a directory, path: /etc}
                  - {name: loop, path: /etc/loop}
                fileExistenceTests:
                  - {name: whiteout, path: /etc/gone, shouldExist: false}
                  - {name: whiteout dir, path: /opt/old/a, shouldExist: false}
                  - {name: opaque, path: /var/cache/stale, shouldExist: false}
                  - {name: opaque keeps new, path: /var/cache/fresh}
                  - {name: opaque wrong, path: /var/cache/stale}
                  - {name: root, path: /, permissions: drwxr-xr-x, uid: 0, gid: 0}
                  - {name: implied parent, path: /usr/bin, permissions: drwxr-xr-x}
                  - {name: setuid, path: /usr/bin/tool, permissions: urwxr-xr-x, isExecutableBy: other}
                  - {name: hardlink, path: /usr/bin/tool2, permissions: urwxr-xr-x}
                  - {name: sticky, path: /tmp, permissions: dtrwxrwxrwx}
                  - {name: symlink not followed, path: /etc/os-release, permissions: Lrwxrwxrwx, isExecutableBy: any}
                  - {name: through a symlinked dir, path: /lib/os-release, permissions: -rw-r--r--}
                  - {name: env path, path: $APP_HOME/.profile, uid: 1000, gid: 1000, permissions: -rw-r-----}
                  - {name: env path wrong, path: $APP_HOME/.profile, uid: 0, gid: 0, isExecutableBy: owner}
                  - {name: upper mode, path: /etc/motd, permissions: -rw-r--r--}
                  - {name: not a directory, path: /etc/motd/x, shouldExist: false}
                """, null));
        assertPass(r, "File Content Test: upper motd", "File Content Test: through links", "File Content Test: hardlink bytes",
                "File Existence Test: whiteout", "File Existence Test: whiteout dir", "File Existence Test: opaque",
                "File Existence Test: opaque keeps new", "File Existence Test: root", "File Existence Test: implied parent",
                "File Existence Test: setuid", "File Existence Test: hardlink", "File Existence Test: sticky",
                "File Existence Test: symlink not followed", "File Existence Test: through a symlinked dir",
                "File Existence Test: env path", "File Existence Test: not a directory");
        assertEquals(List.of("Expected string 'old' not found in file content string 'new motd\n'"),
                r.get("File Content Test: stale motd").errors());
        assertEquals(List.of("Failed to open /etc/gone. Error: open /etc/gone: no such file or directory"),
                r.get("File Content Test: deleted").errors());
        assertEquals(List.of("Failed to open /etc. Error: read /etc: is a directory"), r.get("File Content Test: a directory").errors());
        assertEquals(List.of("Failed to open /etc/loop. Error: open /etc/loop: too many levels of symbolic links"),
                r.get("File Content Test: loop").errors());
        assertEquals(List.of("Error examining file in container: lstat /var/cache/stale: no such file or directory"),
                r.get("File Existence Test: opaque wrong").errors());
        assertEquals(List.of("$APP_HOME/.profile has incorrect executable bit. Expected to be executable by owner, Actual: -rw-r-----",
                        "$APP_HOME/.profile has incorrect user ownership. Expected: 0, Actual: 1000",
                        "$APP_HOME/.profile has incorrect group ownership. Expected: 0, Actual: 1000"),
                r.get("File Existence Test: env path wrong").errors());
        assertEquals(List.of("/etc/motd has incorrect permissions. Expected: -rw-r--r--, Actual: -rw-------"),
                r.get("File Existence Test: upper mode").errors());
        // CST's order: content tests before existence tests.
        List<String> names = new ArrayList<>(r.keySet());
        assertTrue(names.indexOf("File Content Test: loop") < names.indexOf("File Existence Test: whiteout"), names.toString());
    }

    @Test
    void licenseTestsReadDebiansCopyrightFilesAsCstDoes() throws Exception {
        List<TestResult> r = run(layered(), """
                schemaVersion: 2.0.0
                licenseTests:
                  - debian: true
                  - {debian: false, files: [/usr/share/doc/good/copyright]}
                  - {debian: no, files: [/usr/share/doc/bad/copyright, /nowhere]}
                """, null);
        assertEquals(List.of("License Test", "License Test", "License Test"), r.stream().map(TestResult::name).toList());
        // bad: AGPL (case-insensitive); nocopyright: missing; libgnutls30 exempt; the symlink 'linked' is not a directory.
        assertEquals(List.of("Invalid license for /usr/share/doc/bad/copyright, license contains AGPL",
                "Error reading license file for nocopyright: lstat /usr/share/doc/nocopyright/copyright: no such file or directory",
                "Error reading license file for /usr/share/doc/nocopyright/copyright: open /usr/share/doc/nocopyright/copyright:"
                        + " no such file or directory"), r.get(0).errors());
        assertTrue(r.get(1).pass(), r.get(1).errors().toString());
        assertEquals(List.of("Invalid license for /usr/share/doc/bad/copyright, license contains AGPL",
                "Error reading license file for /nowhere: open /nowhere: no such file or directory"), r.get(2).errors());
    }

    @Test
    void metadataComparesTheConfigFieldByField() throws Exception {
        Image img = layered();
        TestResult pass = run(img, """
                schemaVersion: 2.0.0
                metadataTest:
                  envVars: [{key: LANG, value: C.UTF-8}, {key: PATH, value: '/usr/bin', isRegex: true}]
                  unboundEnvVars: [{key: JAVA_HOME}]
                  labels: [{key: tier, value: web-2.1}, {key: tier, value: 'web-\\d\\.\\d$', isRegex: true}]
                  exposedPorts: ["8080", "53", "53/udp"]
                  unexposedPorts: ["80", "8080/udp"]
                  volumes: [/data]
                  unmountedVolumes: [/tmp]
                  entrypoint: [/app]
                  cmd: [--serve]
                  workdir: /srv
                  user: "65532"
                """, null).get(0);
        assertEquals("Metadata Test", pass.name());
        assertTrue(pass.pass(), pass.errors().toString());
        TestResult fail = run(img, """
                schemaVersion: 2.0.0
                metadataTest:
                  envVars: [{key: LANG, value: C}, {key: NOPE, value: x}, {key: PATH, value: '^/bin', isRegex: true}]
                  unboundEnvVars: [{key: LANG}]
                  labels: [{key: tier, value: web}, {key: none, value: x}, {key: tier, value: '^web$', isRegex: true}]
                  exposedPorts: ["80", "8080/udp"]
                  unexposedPorts: ["8080"]
                  volumes: [/tmp]
                  unmountedVolumes: [/data]
                  entrypoint: []
                  cmd: [--other]
                  workdir: /
                  user: root
                """, null).get(0);
        assertFalse(fail.pass());
        assertEquals(List.of(
                "env var LANG value C.UTF-8 does not match expected value: C",
                "variable NOPE not found in image env",
                "env var PATH value /usr/bin:/bin does not match expected value: ^/bin",
                "env variable LANG should not be present in image metadata",
                "label tier value web-2.1 does not match expected value: web",
                "label none not found in image metadata",
                "label tier value web-2.1 does not match expected value: ^web$",
                "Image config Cmd [--serve] does not match expected value: [--other]",
                "Image entrypoint [/app] does not match expected entrypoint: []",
                "Image workdir /srv does not match config workdir: /",
                "Image user 65532 does not match config user: root",
                "Port 80 not found in config",
                "Port 8080/udp not found in config",
                "Port 8080 should not be exposed",
                "Volume /tmp not found in config",
                "Volume /data should not be mounted"), fail.errors());
    }

    /** Records what it was asked to run; answers from a script keyed by the command's first word. */
    static final class Double implements CommandRunner {
        final List<String> calls = new ArrayList<>();
        final List<Path> states = new ArrayList<>();
        final Map<String, Result> answers = new LinkedHashMap<>();
        Map<String, String> lastEnv;

        @Override
        public Result run(List<String> argv, Map<String, String> env, Path state) throws IOException {
            calls.add(String.join(" ", argv));
            states.add(state);
            lastEnv = env;
            assertTrue(Files.isDirectory(state), "the state folder exists while the test runs");
            if (argv.get(0).equals("touch")) {
                Files.writeString(state.resolve(argv.get(1)), "");
                return new Result(0, "", "");
            }
            if (argv.get(0).equals("ls")) {
                try (var s = Files.list(state)) {
                    return new Result(0, String.join("\n", s.map(p -> p.getFileName().toString()).sorted().toList()), "");
                }
            }
            if (argv.get(0).equals("explode")) {
                throw new IOException("exec explode: no such file");
            }
            Result r = answers.get(argv.get(0));
            return r != null ? r : new Result(0, "", "");
        }
    }

    @Test
    void commandTestsCheckOutputErrorAndExitCodeWithCstsMessages() throws Exception {
        Double d = new Double();
        d.answers.put("java", new CommandRunner.Result(3, "openjdk 17.0.9\n", "warning: x\n"));
        List<TestResult> r = run(layered(), """
                schemaVersion: 2.0.0
                commandTests:
                  - name: passes
                    command: java
                    args: [-version]
                    expectedOutput: ['openjdk \\d+']
                    excludedOutput: [graal]
                    expectedError: ['^warning']
                    excludedError: [fatal]
                    exitCode: 3
                  - name: fails every check
                    command: java
                    expectedOutput: [graal]
                    excludedOutput: [openjdk]
                    expectedError: [fatal]
                    excludedError: [warning]
                  - name: cannot run
                    command: explode
                """, d);
        assertTrue(r.get(0).pass(), r.get(0).errors().toString());
        assertEquals("Command Test: passes", r.get(0).name());
        assertEquals("openjdk 17.0.9\n", r.get(0).stdout());
        assertEquals("warning: x\n", r.get(0).stderr());
        assertEquals(List.of(
                "Expected string 'fatal' not found in error 'warning: x\n'",
                "Excluded string 'warning' found in error 'warning: x\n'",
                "Expected string 'graal' not found in output 'openjdk 17.0.9\n'",
                "Excluded string 'openjdk' found in output 'openjdk 17.0.9\n'",
                "Test 'fails every check' exited with incorrect error code. Expected: 0, Actual: 3"), r.get(1).errors());
        assertEquals(List.of("exec explode: no such file"), r.get(2).errors());
        assertEquals(List.of("java -version", "java", "explode"), d.calls, "no entrypoint is prepended");
    }

    @Test
    void setupAndTeardownShareOneFreshStatePerTest() throws Exception {
        Double d = new Double();
        List<TestResult> r = run(layered(), """
                schemaVersion: 2.0.0
                commandTests:
                  - name: sees setup
                    setup: [[touch, ready], [touch, also]]
                    teardown: [[touch, after]]
                    command: ls
                    expectedOutput: ['^also\\nready$']
                  - name: starts fresh
                    command: ls
                    excludedOutput: [ready]
                  - name: setup fails to run
                    setup: [[explode]]
                    command: ls
                """, d);
        assertTrue(r.get(0).pass(), r.get(0).errors().toString());
        assertTrue(r.get(1).pass(), r.get(1).errors().toString());
        assertEquals(List.of("error in setup: exec explode: no such file"), r.get(2).errors());
        assertEquals(List.of("touch ready", "touch also", "ls", "touch after", "ls", "explode"), d.calls);
        assertEquals(d.states.get(0), d.states.get(3), "setup, command and teardown share the state");
        assertFalse(d.states.get(0).equals(d.states.get(4)), "each test has its own state");
        for (Path p : d.states) {
            assertFalse(Files.exists(p), "the state is removed after the test");
        }
    }

    @Test
    void environmentIsImageThenGlobalsThenTheTestsWithExpansion() throws Exception {
        Double d = new Double();
        run(layered(), """
                schemaVersion: 2.0.0
                globalEnvVars:
                  - {key: PATH, value: '/env/bin:$PATH'}
                  - {key: VIRTUAL_ENV, value: /env}
                commandTests:
                  - name: env
                    envVars:
                      - {key: GREETING, value: 'hi from $PATH'}
                      - {key: LANG, value: C}
                    command: echo
                    args: ['$GREETING', '${VIRTUAL_ENV}/x', '$APP_HOME', '$UNSET.']
                    setup: [[setup, '$VIRTUAL_ENV']]
                """, d);
        assertEquals(Map.of("PATH", "/env/bin:/usr/bin:/bin", "APP_HOME", "/home/app", "LANG", "C", "VIRTUAL_ENV", "/env",
                "GREETING", "hi from /env/bin:/usr/bin:/bin"), d.lastEnv);
        assertEquals(List.of("setup $VIRTUAL_ENV", "echo hi from /env/bin:/usr/bin:/bin /env/x /home/app ."), d.calls,
                "setup commands run as written, the command's arguments are expanded");
    }

    @Test
    void withoutARunnerCommandTestsFailSayingWhy() throws Exception {
        TestResult r = run(layered(), "schemaVersion: 2.0.0\ncommandTests: [{name: x, command: ls}]\n", null).get(0);
        assertFalse(r.pass());
        assertEquals(List.of(StructureTests.NO_RUNNER), r.errors());
    }

    @Test
    void goFileModeStrings() throws Exception {
        ImageFiles f = ImageFiles.read(layered().layers(), p -> false);
        assertEquals("urwxr-xr-x", StructureTests.fileMode(f.lstat("/usr/bin/tool")));
        assertEquals("dtrwxrwxrwx", StructureTests.fileMode(f.lstat("/tmp")));
        assertEquals("Lrwxrwxrwx", StructureTests.fileMode(f.lstat("/lib")));
        assertEquals("Lrwxrwxrwx", StructureTests.fileMode(f.lstat("/lib/")), "CST joins paths with filepath.Join, which drops the slash");
        assertThrows(IOException.class, () -> f.lstat("/etc/gone"));
        assertEquals(List.of("bad", "good", "libgnutls30", "linked", "nocopyright"), f.readDir("/usr/share/doc"));
    }

    private static void assertPass(Map<String, TestResult> r, String... names) {
        for (String n : names) {
            TestResult t = r.get(n);
            assertTrue(t != null && t.pass(), n + ": " + (t == null ? "missing " + r.keySet() : t.errors()));
        }
    }

    @Test
    void parseErrorsAreSpecExceptions() {
        assertThrows(SpecException.class, () -> SuiteParser.parse("schemaVersion: 1.0.0\n", "t.yaml"));
    }
}
