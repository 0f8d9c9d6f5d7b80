package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * peel test against real images peel builds: a two-platform base and an app image on it whose upper layer replaces a
 * file and adds a copyright file; every test kind and field passing in one file and failing in another.
 */
class TestCommandTest {
    @TempDir
    static Path tmp;

    record Run(int exit, String out, String err) {
    }

    static Run peel(String... args) {
        List<String> all = new ArrayList<>(List.of("--cache", tmp.resolve("cache").toString()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), CliRun.env(tmp, "cache"), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static Path write(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    static String base;
    static String app;

    @BeforeAll
    static void images() throws Exception {
        write("base.yaml", """
                created: 2024-01-01T00:00:00Z
                archs: [amd64, arm64]
                files:
                  - {path: /usr/local/bin/hello, content: "#!/bin/sh\\necho hello\\n", mode: "0755", owner: "65532:65532"}
                  - {path: /usr/bin/hi, type: symlink, target: /usr/local/bin/hello}
                  - {path: /etc/motd, content: "welcome v1\\n"}
                  - {path: /etc/app.conf, content: "port = 8080\\nmode: prod\\n", mode: "0640", owner: "0:1000"}
                  - {path: /srv/tool, content: "x", mode: "0710"}
                  - {path: /data, type: directory, mode: "0700", owner: "65532:65532"}
                  - {path: /usr/share/doc/good/copyright, content: "License: Apache-2.0\\n"}
                entrypoint: [/usr/local/bin/hello]
                cmd: [--port, "8080"]
                env: {LANG: C.UTF-8, APP_HOME: /srv}
                workdir: /srv
                ports: [8080/tcp, 53/udp]
                labels: {org.opencontainers.image.title: hello, build-date: "2024-01-01T00:00:00Z"}
                accounts: {run-as: "65532"}
                """);
        write("app.yaml", """
                base: oci:out/base
                files:
                  - {path: /etc/motd, content: "welcome v2\\n"}
                  - {path: /usr/share/doc/bad/copyright, content: "License: WTFPL\\n"}
                """);
        base = tmp.resolve("out/base").toString();
        app = tmp.resolve("out/app").toString();
        Run b = peel("build", tmp.resolve("base.yaml").toString(), "-o", base, "-q");
        assertEquals(0, b.exit(), b.err());
        Run a = peel("build", tmp.resolve("app.yaml").toString(), "-o", app, "-q");
        assertEquals(0, a.exit(), a.err());
    }

    static final String PASSING = """
            schemaVersion: 2.0.0
            globalEnvVars:
              - {key: BIN, value: /usr/local/bin}
            fileExistenceTests:
              - {name: binary, path: /usr/local/bin/hello, shouldExist: true, permissions: -rwxr-xr-x, uid: 65532, gid: 65532, isExecutableBy: any}
              - {name: owner exec, path: /srv/tool, isExecutableBy: owner}
              - {name: group exec, path: /srv/tool, isExecutableBy: group}
              - {name: other exec, path: /usr/local/bin/hello, isExecutableBy: other}
              - {name: symlink itself, path: /usr/bin/hi, permissions: Lrwxrwxrwx}
              - {name: directory, path: /data, permissions: drwx------, uid: 65532}
              - {name: absent, path: /etc/shadow, shouldExist: false}
              - {name: global env in path, path: $BIN/hello}
              - {name: image env in path, path: '${APP_HOME}/tool', gid: 0}
            fileContentTests:
              - {name: upper layer wins, path: /etc/motd, expectedContents: ['^welcome v2\\n$'], excludedContents: [v1]}
              - {name: conf, path: /etc/app.conf, expectedContents: ['port = \\d+', '(?m)^mode: prod$'], excludedContents: ['mode: dev']}
              - {name: through a symlink, path: /usr/bin/hi, expectedContents: [echo hello]}
            metadataTest:
              envVars: [{key: LANG, value: C.UTF-8}, {key: APP_HOME, value: '^/s', isRegex: true}]
              unboundEnvVars: [{key: JAVA_HOME}]
              labels:
                - {key: org.opencontainers.image.title, value: hello}
                - {key: build-date, value: '^\\d{4}-\\d{2}-\\d{2}T', isRegex: true}
              exposedPorts: ["8080", "53/udp"]
              unexposedPorts: ["80"]
              unmountedVolumes: [/data]
              entrypoint: [/usr/local/bin/hello]
              cmd: [--port, "8080"]
              workdir: /srv
              user: "65532"
            licenseTests:
              - {debian: false, files: [/usr/share/doc/good/copyright]}
            """;

    static final String FAILING = """
            schemaVersion: 2.0.0
            commandTests:
              - {name: not in the image, command: no-such-command, args: [-v], exitCode: 0}
            fileExistenceTests:
              - {name: shouldExist, path: /nope}
              - {name: shouldNotExist, path: /etc/motd, shouldExist: false}
              - {name: permissions, path: /usr/local/bin/hello, permissions: -rw-r--r--}
              - {name: uid, path: /usr/local/bin/hello, uid: 0}
              - {name: gid, path: /usr/local/bin/hello, gid: 0}
              - {name: other exec, path: /srv/tool, isExecutableBy: other}
              - {name: any exec, path: /etc/motd, isExecutableBy: any}
              - {name: owner exec, path: /etc/motd, isExecutableBy: owner}
              - {name: group exec, path: /etc/app.conf, isExecutableBy: group}
            fileContentTests:
              - {name: expectedContents, path: /etc/motd, expectedContents: [v1]}
              - {name: excludedContents, path: /etc/motd, excludedContents: [welcome]}
              - {name: missing file, path: /nope, expectedContents: [x]}
            metadataTest:
              envVars: [{key: LANG, value: C}, {key: LANG, value: '^C$', isRegex: true}]
              unboundEnvVars: [{key: LANG}]
              labels:
                - {key: org.opencontainers.image.title, value: bye}
                - {key: build-date, value: '^1999', isRegex: true}
              exposedPorts: ["9090"]
              unexposedPorts: ["8080"]
              volumes: [/data]
              entrypoint: [/bin/sh]
              cmd: []
              workdir: /
              user: root
            licenseTests:
              - {debian: true}
              - {files: [/usr/share/doc/bad/copyright]}
            """;

    /** The test names and their outcome (PASS or FAIL) from the text report, in order, with each one's Error lines. */
    static Map<String, List<String>> outcomes(String out) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        String current = null;
        for (String line : out.lines().toList()) {
            if (line.startsWith("=== RUN: ")) {
                current = line.substring(9);
                m.put(current, new ArrayList<>());
            } else if (current != null && (line.equals("--- PASS") || line.equals("--- FAIL") || line.startsWith("Error: "))) {
                m.get(current).add(line);
            }
        }
        return m;
    }

    @Test
    void everyFieldPassesOnTheRealImage() throws Exception {
        Path t = write("pass.yaml", PASSING);
        Run r = peel("test", app, t.toString(), "--platform", "amd64");
        assertEquals(0, r.exit(), r.out() + r.err());
        Map<String, List<String>> o = outcomes(r.out());
        assertEquals(14, o.size(), o.toString());
        o.forEach((name, lines) -> assertEquals(List.of("--- PASS"), lines, name));
        assertEquals(List.of("File Content Test: upper layer wins", "File Content Test: conf", "File Content Test: through a symlink",
                "File Existence Test: binary", "File Existence Test: owner exec", "File Existence Test: group exec",
                "File Existence Test: other exec", "File Existence Test: symlink itself", "File Existence Test: directory",
                "File Existence Test: absent", "File Existence Test: global env in path", "File Existence Test: image env in path",
                "License Test", "Metadata Test"), new ArrayList<>(o.keySet()), "CST's order: content, existence, license, metadata");
        List<String> lines = r.out().lines().toList();
        String title = "====== Test file: pass.yaml ======";
        assertEquals(List.of("", "=".repeat(title.length()), title, "=".repeat(title.length())), lines.subList(0, 4));
        assertTrue(lines.get(4).equals("=== RUN: File Content Test: upper layer wins") && lines.get(5).equals("--- PASS")
                && lines.get(6).matches("duration: [0-9.]+(ns|µs|ms|s)"), String.join("\n", lines.subList(4, 7)));
        // CST's results block: as wide as the last banner, made odd.
        int results = lines.indexOf("=".repeat(13) + " RESULTS " + "=".repeat(13));
        assertTrue(results > 0, r.out());
        assertEquals("=".repeat(35), lines.get(results - 1));
        assertEquals("Passes:      14", lines.get(results + 2));
        assertEquals("Failures:    0", lines.get(results + 3));
        assertTrue(lines.get(results + 4).matches("Duration:    [0-9.]+(ns|µs|ms|s)"), lines.get(results + 4));
        assertEquals("Total tests: 14", lines.get(results + 5));
        assertEquals(List.of("", "PASS"), lines.subList(results + 6, lines.size()));
    }

    @Test
    void everyFieldFailsWithCstsMessagesAndTheJunitReportSaysSo() throws Exception {
        Path t = write("fail.yaml", FAILING);
        Path junit = tmp.resolve("reports/fail.xml");
        Run r = peel("test", app + ":latest", t.toString(), "--platform", "linux/amd64", "--junit", junit.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        Map<String, List<String>> o = outcomes(r.out());
        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("Command Test: not in the image", List.of("--- FAIL",
                "Error: Test 'not in the image' exited with incorrect error code. Expected: 0, Actual: 127"));
        expected.put("File Content Test: expectedContents", List.of("--- FAIL",
                "Error: Expected string 'v1' not found in file content string 'welcome v2"));
        expected.put("File Content Test: excludedContents", List.of("--- FAIL",
                "Error: Excluded string 'welcome' found in file content string 'welcome v2"));
        expected.put("File Content Test: missing file", List.of("--- FAIL",
                "Error: Failed to open /nope. Error: open /nope: no such file or directory"));
        expected.put("File Existence Test: shouldExist", List.of("--- FAIL",
                "Error: Error examining file in container: lstat /nope: no such file or directory"));
        expected.put("File Existence Test: shouldNotExist", List.of("--- FAIL", "Error: File /etc/motd should not exist but does"));
        expected.put("File Existence Test: permissions", List.of("--- FAIL",
                "Error: /usr/local/bin/hello has incorrect permissions. Expected: -rw-r--r--, Actual: -rwxr-xr-x"));
        expected.put("File Existence Test: uid", List.of("--- FAIL",
                "Error: /usr/local/bin/hello has incorrect user ownership. Expected: 0, Actual: 65532"));
        expected.put("File Existence Test: gid", List.of("--- FAIL",
                "Error: /usr/local/bin/hello has incorrect group ownership. Expected: 0, Actual: 65532"));
        expected.put("File Existence Test: other exec", List.of("--- FAIL",
                "Error: /srv/tool has incorrect executable bit. Expected to be executable by other, Actual: -rwx--x---"));
        expected.put("File Existence Test: any exec", List.of("--- FAIL",
                "Error: /etc/motd has incorrect executable bit. Expected to be executable by any, Actual: -rw-r--r--"));
        expected.put("File Existence Test: owner exec", List.of("--- FAIL",
                "Error: /etc/motd has incorrect executable bit. Expected to be executable by owner, Actual: -rw-r--r--"));
        expected.put("File Existence Test: group exec", List.of("--- FAIL",
                "Error: /etc/app.conf has incorrect executable bit. Expected to be executable by group, Actual: -rw-r-----"));
        expected.put("License Test", List.of("--- FAIL",
                "Error: Invalid license for /usr/share/doc/bad/copyright, license contains WTFPL"));
        expected.put("Metadata Test", List.of("--- FAIL",
                "Error: env var LANG value C.UTF-8 does not match expected value: C",
                "Error: env var LANG value C.UTF-8 does not match expected value: ^C$",
                "Error: env variable LANG should not be present in image metadata",
                "Error: label org.opencontainers.image.title value hello does not match expected value: bye",
                "Error: label build-date value 2024-01-01T00:00:00Z does not match expected value: ^1999",
                "Error: Image Cmd [--port 8080] does not match expected Cmd: []",
                "Error: Image config entrypoint [/usr/local/bin/hello] does not match expected value: [/bin/sh]",
                "Error: Image workdir /srv does not match config workdir: /",
                "Error: Image user 65532 does not match config user: root",
                "Error: Port 9090 not found in config",
                "Error: Port 8080 should not be exposed",
                "Error: Volume /data not found in config"));
        // Two license tests share a name; the map keeps the second: the listed file.
        assertEquals(expected, o);
        assertTrue(r.out().contains("Passes:      0\nFailures:    16\n"), r.out());
        assertTrue(r.out().endsWith("\nFAIL\n"), r.out());

        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile());
        Element suites = d.getDocumentElement();
        assertEquals("testsuites", suites.getTagName());
        assertEquals("16", suites.getAttribute("tests"));
        assertEquals("16", suites.getAttribute("failures"));
        NodeList suiteList = suites.getElementsByTagName("testsuite");
        assertEquals(1, suiteList.getLength());
        assertEquals(t.toString(), ((Element) suiteList.item(0)).getAttribute("name"));
        NodeList cases = d.getElementsByTagName("testcase");
        assertEquals(16, cases.getLength());
        Element first = (Element) cases.item(0);
        assertEquals("Command Test: not in the image", first.getAttribute("name"));
        assertEquals("Test 'not in the image' exited with incorrect error code. Expected: 0, Actual: 127",
                ((Element) first.getElementsByTagName("failure").item(0)).getAttribute("message"));
        Element metadata = (Element) cases.item(15);
        assertEquals("Metadata Test", metadata.getAttribute("name"));
        String failure = metadata.getElementsByTagName("failure").item(0).getTextContent();
        assertEquals(12, failure.lines().count(), failure);
        assertTrue(failure.startsWith("env var LANG value C.UTF-8 does not match expected value: C\n"), failure);
    }

    @Test
    void debianLicensesPassOnTheBaseAndFailOnTheAppEveryPlatformInTurn() throws Exception {
        Path t = write("license.yaml", "schemaVersion: 2.0.0\nlicenseTests: [{debian: true}]\n");
        Path junit = tmp.resolve("license.xml");
        Run b = peel("test", base, t.toString(), "--junit", junit.toString());
        assertEquals(0, b.exit(), b.out() + b.err());
        for (String platform : List.of("linux/amd64", "linux/arm64/v8")) {
            assertTrue(Pattern.compile("Test file: license.yaml \\(" + platform + "\\) ======\n=+\n=== RUN: License Test\n--- PASS\n")
                    .matcher(b.out()).find(), platform + "\n" + b.out());
        }
        assertTrue(b.out().contains("Passes:      2\nFailures:    0\n"), b.out());
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile());
        NodeList suites = d.getElementsByTagName("testsuite");
        assertEquals(2, suites.getLength());
        assertEquals(t + " (linux/arm64/v8)", ((Element) suites.item(1)).getAttribute("name"));
        assertEquals(0, d.getElementsByTagName("failure").getLength());

        Run a = peel("test", app, t.toString(), "--platform", "arm64");
        assertEquals(1, a.exit(), a.out());
        assertTrue(a.out().contains("====== Test file: license.yaml ======\n"), "one platform: no platform in the banner\n" + a.out());
        assertTrue(a.out().contains("Error: Invalid license for /usr/share/doc/bad/copyright, license contains WTFPL"), a.out());
    }

    @Test
    void badTestFilesExitTwoNamingFileAndLineBeforeAnythingRuns() throws Exception {
        Path good = write("good.yaml", PASSING);
        Path bad = write("bad.yaml", """
                schemaVersion: 2.0.0
                fileExistenceTests:
                  - name: typo
                    path: /etc/motd
                    shouldexist: true
                """);
        Run r = peel("test", app, good.toString(), bad.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals("", r.out(), "nothing ran");
        assertTrue(r.err().startsWith("peel test: " + bad + ":5:5: unknown key 'shouldexist' in fileExistenceTests[0]"), r.err());
        assertTrue(r.err().contains("did you mean 'shouldExist'?"), r.err());

        Path octal = write("octal.yaml", "schemaVersion: 2.0.0\nfileExistenceTests:\n  - {name: m, path: /a, uid: 0644}\n");
        Run o = peel("test", app, octal.toString());
        assertEquals(2, o.exit());
        assertTrue(o.err().contains(octal + ":3:30: fileExistenceTests[0].uid '0644' has a leading zero"), o.err());

        Run missing = peel("test", app, tmp.resolve("nowhere.yaml").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("nowhere.yaml: no such test file"), missing.err());
        assertEquals(2, peel("test", tmp.resolve("no-image").toString(), good.toString()).exit());
        assertEquals(2, peel("test", app).exit(), "a test file is required");
        Run platform = peel("test", app, good.toString(), "--platform", "s390x");
        assertEquals(2, platform.exit(), platform.err());
        assertTrue(platform.err().contains("linux/amd64, linux/arm64/v8"), platform.err());
    }

    @Test
    void aFileWithoutTestsFailsAsCstDoes() throws Exception {
        Path none = write("none.yaml", "schemaVersion: 2.0.0\n");
        Run r = peel("test", app, none.toString(), "--platform", "amd64");
        assertEquals(1, r.exit());
        assertTrue(r.out().endsWith("No tests run! Check config file format.\n\nFAIL\n"), r.out());
    }

    @Test
    void buildTestRunsTheSpecsTestsOnEveryPlatformAndFailsTheBuild() throws Exception {
        write("pass.yaml", PASSING);
        write("fail.yaml", FAILING);
        write("broken.yaml", "schemaVersion: 2.0.0\nmetadataTest:\n  user: [a]\n");
        Path ok = write("ok-app.yaml", "base: oci:out/base\nfiles:\n  - {path: /etc/motd, content: \"welcome v2\\n\"}\ntests: [pass.yaml]\n");
        Run b = peel("build", ok.toString(), "-o", tmp.resolve("out/ok").toString(), "--test");
        assertEquals(0, b.exit(), b.err());
        assertTrue(b.out().matches("sha256:[0-9a-f]{64}\n"), "the report stays off stdout: " + b.out());
        assertTrue(b.err().contains("Passes:      28\nFailures:    0\n"), "two platforms × 14\n" + b.err());
        assertTrue(b.err().contains("(linux/arm64/v8) ======"), b.err());

        Path failing = write("failing-app.yaml", "base: oci:out/base\ntests: [pass.yaml, fail.yaml]\n");
        Run f = peel("build", failing.toString(), "--oci-tar", tmp.resolve("out/failing.tar").toString(), "--test", "-q");
        assertEquals(1, f.exit(), f.err());
        assertTrue(f.err().contains("peel build: 30 of 60 structure tests failed (the image is at "), f.err());
        assertTrue(f.err().contains("--- FAIL"), "-q still shows a failing report\n" + f.err());

        Path broken = write("broken-app.yaml", "base: oci:out/base\ntests:\n  - pass.yaml\n  - broken.yaml\n");
        Run x = peel("build", broken.toString(), "-o", tmp.resolve("out/broken").toString(), "--test");
        assertEquals(2, x.exit(), x.err());
        assertTrue(x.err().contains("broken.yaml:3:9: metadataTest.user must be a string"), x.err());
        assertFalse(Files.exists(tmp.resolve("out/broken")), "a broken test file stops the build before it starts");

        Path missing = write("missing-app.yaml", "base: oci:out/base\ntests:\n  - nope.yaml\n");
        Run m = peel("build", missing.toString(), "-o", tmp.resolve("out/missing").toString());
        assertEquals(2, m.exit());
        assertTrue(m.err().contains("missing-app.yaml:3:5: tests[0] 'nope.yaml' is not a file"), m.err());

        Run none = peel("build", tmp.resolve("base.yaml").toString(), "-o", tmp.resolve("out/none").toString(), "--test");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("--test runs the tests the spec lists under tests:"), none.err());
    }

    /** Debian packages made by dpkg-deb, served from a signed file: repository, installed by peel build. */
    @Test
    void debianLicenseTestsReadTheInstalledPackagesCopyrightFiles() throws Exception {
        dev.peel.testing.DebRepo repo = new dev.peel.testing.DebRepo(tmp.resolve("repo"));
        List<dev.peel.testing.DebRepo.Deb> debs = List.of(
                repo.deb("libgood", "1.0-1", "amd64", Map.of(), Map.of("usr/lib/libgood.so.1", "good",
                        "usr/share/doc/libgood/copyright", "Files: *\n"
                                + "License: MIT\n")),
                repo.deb("libbad", "2.0-1", "amd64", Map.of(), Map.of("usr/lib/libbad.so.2", "bad",
                        "usr/share/doc/libbad/copyright", "License: AGPL-3.0-or-later\n")),
                repo.deb("nodoc", "1.0-1", "amd64", Map.of(), Map.of("usr/share/doc/nodoc/README", "no copyright here\n")));
        repo.suite("stable", List.of("amd64"), debs);
        Files.copy(repo.keyring(), tmp.resolve("repo.asc"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String sources = "archs: [amd64]\ndebian:\n  suite: stable\n  sources:\n    - {url: \"" + repo.url()
                + "\", suites: [stable], keyring: repo.asc}\n  resolve: explicit\n";
        write("good-debs.yaml", sources + "  packages: [libgood]\n");
        write("all-debs.yaml", sources + "  packages: [libgood, libbad, nodoc]\n");
        Path licenses = write("licenses.yaml", """
                schemaVersion: 2.0.0
                licenseTests:
                  - debian: true
                fileExistenceTests:
                  - {name: status, path: /var/lib/dpkg/status.d/libgood, permissions: -rw-r--r--, uid: 0}
                fileContentTests:
                  - {name: control, path: /var/lib/dpkg/status.d/libgood, expectedContents: ['(?m)^Version: 1\\.0-1$']}
                """);
        Run g = peel("build", tmp.resolve("good-debs.yaml").toString(), "-o", tmp.resolve("out/good-debs").toString(), "-q");
        assertEquals(0, g.exit(), g.err());
        Run pass = peel("test", tmp.resolve("out/good-debs").toString(), licenses.toString());
        assertEquals(0, pass.exit(), pass.out() + pass.err());
        assertTrue(pass.out().contains("Passes:      3\nFailures:    0\n"), pass.out());

        Run a = peel("build", tmp.resolve("all-debs.yaml").toString(), "-o", tmp.resolve("out/all-debs").toString(), "-q");
        assertEquals(0, a.exit(), a.err());
        Run fail = peel("test", tmp.resolve("out/all-debs").toString(), licenses.toString());
        assertEquals(1, fail.exit(), fail.out());
        assertEquals(List.of("--- FAIL",
                "Error: Invalid license for /usr/share/doc/libbad/copyright, license contains AGPL",
                "Error: Error reading license file for nodoc: lstat /usr/share/doc/nodoc/copyright: no such file or directory",
                "Error: Error reading license file for /usr/share/doc/nodoc/copyright: open /usr/share/doc/nodoc/copyright:"
                        + " no such file or directory"), outcomes(fail.out()).get("License Test"));
    }

    @Test
    void readsDockerArchivesAndRegistriesToo() throws Exception {
        Path t = write("registry.yaml", PASSING);
        Path tar = tmp.resolve("out/app-docker.tar");
        Run b = peel("build", tmp.resolve("app.yaml").toString(), "--docker-tar", tar.toString(), "--platform", "arm64", "-q");
        assertEquals(0, b.exit(), b.err());
        Run d = peel("test", tar.toString(), t.toString());
        assertEquals(0, d.exit(), d.out() + d.err());
        assertTrue(d.out().contains("Passes:      14\nFailures:    0\n"), d.out());

        try (dev.peel.testing.RegistryServer registry = dev.peel.testing.RegistryServer.start(tmp.resolve("registry"))) {
            String ref = registry.host() + "/tests/app:1";
            Run p = peel("push", app, ref, "-q");
            assertEquals(0, p.exit(), p.err());
            Run r = peel("test", ref, t.toString(), "--platform", "linux/amd64");
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("Passes:      14\nFailures:    0\n"), r.out());
            Run missing = peel("test", registry.host() + "/tests/nothing:1", t.toString());
            assertEquals(4, missing.exit(), "a registry's not-found keeps its exit code: " + missing.err());
        }
    }

    @Test
    void helpNamesTheExitCodes() {
        Run r = peel("test", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("Exit code 1 also when a test fails or no test ran") && r.out().contains("Exit codes:"), r.out());
        Matcher m = Pattern.compile("--junit=FILE").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(peel("--help").out().contains("test"), "registered in Main");
    }
}
