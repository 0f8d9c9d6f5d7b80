package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peel.debian.Lock;
import dev.peel.testing.DebRepo;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * peel diff on images built in the test from a signed {@code file:} repository the test makes: two locks that differ
 * in one package's version, whose .debs carry changelogs; config and file changes; platforms on one side only.
 */
class DiffCommandTest {
    @TempDir
    static Path tmp;

    static Path cache;
    static Path oldImage;
    static Path newImage;

    static final String ENTRY_2 = """
            hello (1.0-2) unstable; urgency=medium

              * Greet in full sentences (Closes: #1002).

             -- Peel Tests <tests@example.invalid>  Sat, 10 May 2025 09:00:00 +0000""";
    static final String ENTRY_11 = """
            hello (1.0-1.1) unstable; urgency=low

              * Non-maintainer upload.
              * Fix the exit code.

             -- Other Uploader <other@example.invalid>  Fri, 02 May 2025 12:00:00 +0000""";
    static final String ENTRY_1 = """
            hello (1.0-1) unstable; urgency=medium

              * Initial release.

             -- Peel Tests <tests@example.invalid>  Thu, 01 May 2025 08:00:00 +0000""";
    static final String ENTRY_09 = """
            hello (0.9-1) experimental; urgency=medium

              * Preview.

             -- Peel Tests <tests@example.invalid>  Tue, 01 Apr 2025 08:00:00 +0000""";

    static DebRepo repo;

    static CliRun.Result peel(String... args) {
        return CliRun.peel(CliRun.env(tmp, "xdg-cache"), args);
    }

    @BeforeAll
    static void images() throws Exception {
        repo = new DebRepo(tmp.resolve("repo"));
        cache = tmp.resolve("cache");
        DebRepo.Deb zero = repo.deb("zero", "2.0-1", "all", Map.of(), Map.of("usr/share/zero/README", "zero\n"));
        DebRepo.Deb hello1 = repo.debOf("hello", "1.0-1", "amd64", Map.of(), Map.of(
                "usr/bin/hello", bytes("hello 1.0-1\n"),
                "usr/share/doc/hello/changelog.Debian.gz", gzip(ENTRY_1 + "\n\n" + ENTRY_09 + "\n")));
        DebRepo.Deb hello2 = repo.debOf("hello", "1.0-2", "amd64", Map.of(), Map.of(
                "usr/bin/hello", bytes("hello 1.0-2, in full sentences\n"),
                "var/lib/hello/", new byte[0],
                "usr/share/doc/hello/changelog.Debian.gz", gzip(ENTRY_2 + "\n\n" + ENTRY_11 + "\n\n" + ENTRY_1 + "\n\n" + ENTRY_09 + "\n")));
        repo.suite("old", List.of("amd64"), List.of(zero, hello1));
        repo.suite("new", List.of("amd64"), List.of(zero, hello2));
        oldImage = build("old", "old", "GREETING: hi", "[/usr/bin/hello]", "", "[amd64]");
        newImage = build("new", "new", "GREETING: hi", "[/usr/bin/hello]", "", "[amd64]");
    }

    /**
     * Locks and builds a preset-like spec (packages from {@code suite}, an account, a file, entrypoint and env) into a
     * layout; with a null suite, no packages.
     */
    static Path build(String name, String suite, String env, String entrypoint, String moreFiles, String archs) throws Exception {
        return build(name, suite, env, entrypoint, moreFiles, archs, false);
    }

    /** As above; {@code docs} keeps /usr/share/doc (the presets keep only copyright files, as distroless does). */
    static Path build(String name, String suite, String env, String entrypoint, String moreFiles, String archs, boolean docs)
            throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("specs/" + name));
        Files.copy(repo.keyring(), dir.resolve("repo.asc"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path spec = dir.resolve("image.yaml");
        Files.writeString(spec, "archs: " + archs + "\ncreated: 2024-01-01T00:00:00Z\n"
                + (suite == null ? "" : "debian:\n  suite: " + suite + "\n  sources:\n"
                + "    - {url: \"" + repo.url() + "\", suites: [" + suite + "], keyring: repo.asc}\n"
                + "  packages: [hello, zero]\n"
                + (docs ? "" : "  path-exclude: [/usr/share/doc/*]\n  path-include: [/usr/share/doc/*/copyright]\n"))
                + "accounts:\n  users: [{name: app, uid: 1000}]\n  run-as: app\n"
                + "files:\n  - {path: /etc/motd, content: \"welcome\\n\"}\n" + moreFiles
                + "entrypoint: " + entrypoint + "\nenv: {" + env + "}\n");
        if (suite != null) {
            CliRun.Result l = peel("lock", spec.toString(), "--cache", cache.toString());
            assertEquals(0, l.exit(), l.err());
        }
        Path out = tmp.resolve("images/" + name);
        CliRun.Result b = peel("build", spec.toString(), "-o", out.toString(), "--cache", cache.toString(), "-q");
        assertEquals(0, b.exit(), b.err());
        return out;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] gzip(String s) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(bytes(s));
        }
        return b.toByteArray();
    }

    static JsonNode json(String text) throws Exception {
        return new ObjectMapper().readTree(text);
    }

    @Test
    void namesTheOneChangedPackageItsChangelogEntriesAndTheOneChangedLayer() throws Exception {
        Lock a = Lock.parse(Files.readAllBytes(tmp.resolve("specs/old/image.lock.json")));
        Lock b = Lock.parse(Files.readAllBytes(tmp.resolve("specs/new/image.lock.json")));
        List<String> va = a.archs().get("amd64").stream().map(p -> p.name() + " " + p.version()).toList();
        List<String> vb = b.archs().get("amd64").stream().map(p -> p.name() + " " + p.version()).toList();
        assertEquals(List.of("hello 1.0-1", "zero 2.0-1"), va, "the premise: the locks differ in one version");
        assertEquals(List.of("hello 1.0-2", "zero 2.0-1"), vb);

        CliRun.Result r = peel("diff", oldImage.toString(), newImage.toString(), "--cache", cache.toString());
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.contains("  packages: 1 changed\n    ~ hello:amd64 1.0-1 → 1.0-2\n"), out);
        assertFalse(out.contains("zero:all"), out);
        assertTrue(out.contains(indent(ENTRY_2)) && out.contains(indent(ENTRY_11)), out);
        assertFalse(out.contains("hello (1.0-1) unstable") || out.contains("hello (0.9-1)"), "only entries newer than 1.0-1: " + out);
        assertTrue(out.indexOf("hello (1.0-2)") < out.indexOf("hello (1.0-1.1)"), "newest first");
        assertTrue(out.contains("  files outside packages: no changes\n"), "an empty directory of the new package is the package's: " + out);
        assertTrue(out.contains("  config: no changes\n"), out);
        assertTrue(out.matches("(?s).*  layers: \\d+ shared, 1 only in A, 1 only in B; a pull of B given A fetches .*"), out);

        CliRun.Result j = peel("diff", oldImage.toString(), newImage.toString(), "--cache", cache.toString(), "--json");
        assertEquals(0, j.exit(), j.err());
        JsonNode doc = json(j.out());
        assertTrue(doc.get("differ").asBoolean());
        assertEquals(1, doc.get("platforms").size());
        JsonNode p = doc.get("platforms").get(0);
        assertEquals("linux/amd64", p.get("platform").asText());
        assertEquals("compared", p.get("status").asText());
        assertEquals(1, p.get("packages").size(), p.toString());
        JsonNode hello = p.get("packages").get(0);
        assertEquals("hello", hello.get("name").asText());
        assertEquals("amd64", hello.get("arch").asText());
        assertEquals("changed", hello.get("change").asText());
        assertEquals("1.0-1", hello.get("old").asText());
        assertEquals("1.0-2", hello.get("new").asText());
        assertTrue(hello.get("changelog").get("available").asBoolean());
        JsonNode entries = hello.get("changelog").get("entries");
        assertEquals(2, entries.size());
        assertEquals("1.0-2", entries.get(0).get("version").asText());
        assertEquals(ENTRY_2, entries.get(0).get("text").asText());
        assertEquals("1.0-1.1", entries.get(1).get("version").asText());
        assertEquals(ENTRY_11, entries.get(1).get("text").asText());
        assertEquals(0, p.get("files").size(), p.get("files").toString());
        assertEquals(0, p.get("config").size(), p.get("config").toString());
        JsonNode layers = p.get("layers");
        assertEquals(1, layers.get("onlyA").size());
        assertEquals(1, layers.get("onlyB").size());
        assertTrue(layers.get("shared").size() >= 2, "the other package's layer and the spec's are shared: " + layers);
        assertNotEquals(layers.get("onlyA").get(0).get("digest").asText(), layers.get("onlyB").get(0).get("digest").asText());
        assertEquals(layers.get("onlyB").get(0).get("size").asLong(), layers.get("fetchBytes").asLong());
        assertTrue(out.contains("fetches " + InspectCommand.human(layers.get("fetchBytes").asLong())), out);

        CliRun.Result locked = peel("diff", oldImage.toString(), newImage.toString(), "--cache", cache.toString(),
                "--lock", tmp.resolve("specs/old/image.lock.json").toString(), "--lock", tmp.resolve("specs/new/image.lock.json").toString());
        assertEquals(0, locked.exit(), locked.err());
        assertEquals(out, locked.out(), "the locks name the same .debs the cache's index finds");
    }

    @Test
    void withoutBothDebsTheChangelogIsNotAvailable() throws Exception {
        CliRun.Result r = peel("diff", oldImage.toString(), newImage.toString(), "--cache", tmp.resolve("empty-cache").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("~ hello:amd64 1.0-1 → 1.0-2\n        changelog not available: the .deb of 1.0-1 and 1.0-2 is not in peel's cache\n"),
                r.out());
        assertFalse(r.out().contains("hello (1.0-2)"), r.out());
        JsonNode c = json(peel("diff", oldImage.toString(), newImage.toString(), "--cache", tmp.resolve("empty-cache").toString(), "--json")
                .out()).get("platforms").get(0).get("packages").get(0).get("changelog");
        assertFalse(c.get("available").asBoolean());
        assertEquals(0, c.get("entries").size());
    }

    @Test
    void withoutTheDebsAChangelogTheImageCarriesIsRead() throws Exception {
        Path oldDocs = build("old-docs", "old", "GREETING: hi", "[/usr/bin/hello]", "", "[amd64]", true);
        Path newDocs = build("new-docs", "new", "GREETING: hi", "[/usr/bin/hello]", "", "[amd64]", true);
        CliRun.Result r = peel("diff", oldDocs.toString(), newDocs.toString(), "--cache", tmp.resolve("empty-cache").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("    ~ hello:amd64 1.0-1 → 1.0-2\n        changelog, from the image's /usr/share/doc/hello"
                + " (the .debs were not at hand):\n" + indent(ENTRY_2) + "\n" + indent(ENTRY_11)), r.out());
        assertFalse(r.out().contains("hello (1.0-1) unstable"), r.out());
        JsonNode c = json(peel("diff", oldDocs.toString(), newDocs.toString(), "--cache", tmp.resolve("empty-cache").toString(),
                "--json").out()).get("platforms").get(0).get("packages").get(0).get("changelog");
        assertTrue(c.get("available").asBoolean());
        assertEquals(2, c.get("entries").size());

        CliRun.Result stripped = peel("diff", oldImage.toString(), newImage.toString(), "--cache", tmp.resolve("empty-cache").toString());
        assertTrue(stripped.out().contains("changelog not available"), "the preset-like images keep no changelog: " + stripped.out());
    }

    @Test
    void configChangesAndFilesOutsidePackages() throws Exception {
        Path changed = build("changed", "new", "GREETING: hello, LANG: C.UTF-8", "[/usr/bin/hello, --loud]",
                "  - {path: /app/notes.txt, content: \"new\\n\", mode: \"0600\", owner: \"1000:1000\"}\n", "[amd64]");
        CliRun.Result r = peel("diff", newImage.toString(), changed.toString(), "--cache", cache.toString());
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.contains("  packages: no changes\n"), out);
        assertTrue(out.contains("    entrypoint: [\"/usr/bin/hello\"] → [\"/usr/bin/hello\",\"--loud\"]\n"), out);
        assertTrue(out.contains("    env.GREETING: hi → hello\n"), out);
        assertTrue(out.contains("    env.LANG: (unset) → C.UTF-8\n"), out);
        assertTrue(out.contains("    + /app/notes.txt  file 0600 1000:1000 4 B sha256:"), out);
        assertTrue(out.contains("    + /app  directory 0755 0:0\n"), out);
        assertFalse(out.contains("/usr/bin/hello "), "a package's file is no file outside packages: " + out);

        JsonNode p = json(peel("diff", newImage.toString(), changed.toString(), "--json").out()).get("platforms").get(0);
        List<String> fields = new ArrayList<>();
        p.get("config").forEach(c -> fields.add(c.get("field").asText()));
        assertEquals(List.of("entrypoint", "env.GREETING", "env.LANG"), fields);
        JsonNode notes = null;
        for (JsonNode f : p.get("files")) {
            if (f.get("path").asText().equals("/app/notes.txt")) {
                notes = f;
            }
        }
        assertTrue(notes != null, p.get("files").toString());
        assertEquals("added", notes.get("change").asText());
        assertTrue(notes.get("old").isNull());
        assertEquals("0600", notes.get("new").get("mode").asText());
        assertEquals(1000, notes.get("new").get("uid").asLong());
        assertEquals(4, notes.get("new").get("size").asLong());
        assertEquals(dev.peel.oci.Digest.of(bytes("new\n")).hex(), notes.get("new").get("sha256").asText());
    }

    @Test
    void aChangedFileOutsidePackagesShowsBothStates() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("specs/motd"));
        Files.copy(repo.keyring(), dir.resolve("repo.asc"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String yaml = Files.readString(tmp.resolve("specs/new/image.yaml")).replace("content: \"welcome\\n\"}",
                "content: \"welcome, again\\n\", mode: \"0640\"}");
        assertTrue(yaml.contains("welcome, again"), yaml);
        Files.writeString(dir.resolve("image.yaml"), yaml);
        Files.copy(tmp.resolve("specs/new/image.lock.json"), dir.resolve("image.lock.json"));
        CliRun.Result b = peel("build", dir.resolve("image.yaml").toString(), "-o", tmp.resolve("images/motd").toString(),
                "--cache", cache.toString(), "-q");
        assertEquals(0, b.exit(), b.err());
        CliRun.Result r = peel("diff", newImage.toString(), tmp.resolve("images/motd").toString(), "--cache", cache.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("  files outside packages: 1 changed\n    ~ /etc/motd  file 0644 0:0 8 B sha256:"
                + dev.peel.oci.Digest.of(bytes("welcome\n")).hex().substring(0, 12) + " → file 0640 0:0 15 B sha256:"
                + dev.peel.oci.Digest.of(bytes("welcome, again\n")).hex().substring(0, 12) + "\n"), r.out());
        assertTrue(r.out().contains("  packages: no changes\n") && r.out().contains("  config: no changes\n"), r.out());
    }

    @Test
    void identicalImagesShareEveryLayer() throws Exception {
        Path tar = tmp.resolve("images/new.tar");
        CliRun.Result c = peel("copy", newImage.toString(), "oci-archive:" + tar);
        assertEquals(0, c.exit(), c.err());
        CliRun.Result r = peel("diff", newImage.toString(), tar.toString(), "--cache", cache.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("linux/amd64: identical, sha256:"), r.out());
        assertTrue(r.out().contains("  packages: no changes\n  files outside packages: no changes\n  config: no changes\n"), r.out());
        assertTrue(r.out().contains(" 0 only in A, 0 only in B; a pull of B given A fetches 0 B\n"), r.out());
        JsonNode doc = json(peel("diff", newImage.toString(), tar.toString(), "--json").out());
        assertFalse(doc.get("differ").asBoolean());
        JsonNode l = doc.get("platforms").get(0).get("layers");
        assertEquals(0, l.get("onlyA").size() + l.get("onlyB").size());
        assertTrue(l.get("shared").size() >= 3, l.toString());
        assertEquals(0, l.get("fetchBytes").asLong());
    }

    @Test
    void aPlatformOnOneSideIsAddedOrRemovedAndPlatformLimitsTheComparison() throws Exception {
        Path one = build("one", null, "GREETING: hi", "[/bin/true]", "", "[amd64]");
        Path two = build("two", null, "GREETING: hi", "[/bin/true]", "", "[amd64, arm64]");
        CliRun.Result r = peel("diff", one.toString(), two.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("linux/arm64/v8: only in B (sha256:"), r.out());
        assertTrue(r.out().contains("linux/amd64: "), r.out());
        JsonNode doc = json(peel("diff", one.toString(), two.toString(), "--json").out());
        assertEquals(2, doc.get("platforms").size());
        assertEquals("linux/amd64", doc.get("platforms").get(0).get("platform").asText());
        assertEquals("linux/arm64/v8", doc.get("platforms").get(1).get("platform").asText());
        assertEquals("added", doc.get("platforms").get(1).get("status").asText());
        assertTrue(doc.get("platforms").get(1).get("a").isNull());

        CliRun.Result back = peel("diff", two.toString(), one.toString());
        assertTrue(back.out().contains("linux/arm64/v8: only in A (sha256:"), back.out());

        CliRun.Result amd = peel("diff", one.toString(), two.toString(), "--platform", "amd64", "--json");
        assertEquals(0, amd.exit(), amd.err());
        JsonNode limited = json(amd.out());
        assertEquals(1, limited.get("platforms").size());
        assertEquals("linux/amd64", limited.get("platforms").get(0).get("platform").asText());

        CliRun.Result none = peel("diff", one.toString(), two.toString(), "--platform", "s390x");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("--platform s390x"), none.err());
    }

    @Test
    void readsImagesFromARegistryAndSeesManifestOnlyDifferences() throws Exception {
        try (dev.peel.testing.RegistryServer registry = dev.peel.testing.RegistryServer.start(tmp.resolve("registry"))) {
            String ref = registry.host() + "/team/hello:new";
            CliRun.Result push = peel("push", newImage.toString(), ref);
            assertEquals(0, push.exit(), push.err());
            CliRun.Result r = peel("diff", oldImage.toString(), ref, "--cache", cache.toString(), "--json");
            assertEquals(0, r.exit(), r.err());
            JsonNode fromRegistry = json(r.out()).get("platforms");
            JsonNode fromLayout = json(peel("diff", oldImage.toString(), newImage.toString(), "--cache", cache.toString(), "--json")
                    .out()).get("platforms");
            assertEquals(fromLayout, fromRegistry, "the same facts whichever source B is read from");

            CliRun.Result missing = peel("diff", oldImage.toString(), registry.host() + "/team/nothing:1");
            assertEquals(4, missing.exit(), missing.err());
            assertTrue(missing.err().startsWith("peel diff: ") && missing.err().contains("team/nothing"), missing.err());
        }
        Path docker = tmp.resolve("images/new-docker");
        CliRun.Result c = peel("copy", newImage.toString(), docker.toString(), "--format", "docker");
        assertEquals(0, c.exit(), c.err());
        CliRun.Result r = peel("diff", newImage.toString(), docker.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("  packages: no changes\n  files outside packages: no changes\n  config: no changes\n"), r.out());
        assertTrue(r.out().contains(" 0 only in A, 0 only in B; a pull of B given A fetches 0 B\n"), r.out());
        assertTrue(r.out().contains("  the manifests differ in nothing compared here"), "Docker media types: " + r.out());
        assertTrue(json(peel("diff", newImage.toString(), docker.toString(), "--json").out()).get("differ").asBoolean());
    }

    @Test
    void buildKitsAttestationManifestsAreNoPlatformToCompare() throws Exception {
        Path with = tmp.resolve("images/attested");
        assertEquals(0, peel("copy", newImage.toString(), with.toString()).exit());
        Path blobs = with.resolve("blobs/sha256");
        byte[] statement = bytes("{\"_type\":\"https://in-toto.io/Statement/v0.1\"}");
        Files.write(blobs.resolve(dev.peel.oci.Digest.of(statement).hex()), statement);
        byte[] config = bytes("{\"architecture\":\"unknown\",\"os\":\"unknown\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\"" + dev.peel.oci.Digest.of(statement) + "\"]}}");
        Files.write(blobs.resolve(dev.peel.oci.Digest.of(config).hex()), config);
        byte[] manifest = bytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + dev.peel.oci.Digest.of(config)
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.in-toto+json\",\"digest\":\""
                + dev.peel.oci.Digest.of(statement) + "\",\"size\":" + statement.length + "}]}");
        Files.write(blobs.resolve(dev.peel.oci.Digest.of(manifest).hex()), manifest);
        JsonNode top = json(Files.readString(with.resolve("index.json"))).get("manifests").get(0);
        byte[] index = bytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + top.get("digest").asText()
                + "\",\"size\":" + top.get("size").asLong() + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + dev.peel.oci.Digest.of(manifest)
                + "\",\"size\":" + manifest.length + ",\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},"
                + "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\",\"vnd.docker.reference.digest\":\""
                + top.get("digest").asText() + "\"}}]}");
        Files.write(blobs.resolve(dev.peel.oci.Digest.of(index).hex()), index);
        Files.writeString(with.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + dev.peel.oci.Digest.of(index) + "\",\"size\":"
                + index.length + "}]}");

        CliRun.Result r = peel("diff", newImage.toString(), with.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode platforms = json(r.out()).get("platforms");
        assertEquals(1, platforms.size(), r.out());
        assertEquals("linux/amd64", platforms.get(0).get("platform").asText());
        assertFalse(platforms.get(0).get("differs").asBoolean(), r.out());
    }

    @Test
    void unreadableImagesAndBadArgumentsGiveTheDocumentedExitCodes() throws Exception {
        Path missing = tmp.resolve("nowhere/image");
        CliRun.Result m = peel("diff", newImage.toString(), missing.toString());
        assertEquals(1, m.exit(), m.err());
        assertTrue(m.err().startsWith("peel diff: ") && m.err().contains(missing.toString()), m.err());

        Path notImage = Files.writeString(tmp.resolve("not-an-image.tar"), "hello\n");
        CliRun.Result n = peel("diff", notImage.toString(), newImage.toString());
        assertEquals(1, n.exit(), n.err());
        assertTrue(n.err().contains(notImage.toString()), n.err());

        CliRun.Result bad = peel("diff", newImage.toString(), "docker://Bad Name!");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("Bad Name!"), bad.err());

        Path badLock = Files.writeString(tmp.resolve("bad.lock.json"), "{}");
        CliRun.Result l = peel("diff", newImage.toString(), newImage.toString(), "--lock", badLock.toString());
        assertEquals(2, l.exit(), l.err());
        assertTrue(l.err().startsWith("peel diff: --lock " + badLock + ": "), l.err());

        CliRun.Result one = peel("diff", newImage.toString());
        assertEquals(2, one.exit(), one.err());
        assertTrue(one.err().contains("B"), one.err());

        CliRun.Result help = peel("diff", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("Exit codes:") && help.out().contains("--json"), help.out());
    }

    @Test
    void aLayerThatDoesNotMatchItsDigestIsRefused() throws Exception {
        Path copy = tmp.resolve("images/tampered");
        CliRun.Result c = peel("copy", oldImage.toString(), copy.toString());
        assertEquals(0, c.exit(), c.err());
        JsonNode d = json(peel("diff", oldImage.toString(), newImage.toString(), "--json").out());
        String onlyA = d.get("platforms").get(0).get("layers").get("onlyA").get(0).get("digest").asText();
        String onlyB = d.get("platforms").get(0).get("layers").get("onlyB").get(0).get("digest").asText();
        // hello 1.0-1's layer replaced by 1.0-2's: a valid layer, but not the one the manifest names.
        Path blob = copy.resolve("blobs/sha256/" + onlyA.substring("sha256:".length()));
        Files.delete(blob);
        Files.copy(newImage.resolve("blobs/sha256/" + onlyB.substring("sha256:".length())), blob);
        CliRun.Result r = peel("diff", copy.toString(), newImage.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().startsWith("peel diff: " + copy + ": layer " + onlyA), r.err());
    }

    private static String indent(String entry) {
        StringBuilder sb = new StringBuilder();
        for (String line : entry.split("\n")) {
            sb.append(line.isEmpty() ? "" : "        " + line).append('\n');
        }
        return sb.toString();
    }
}
