package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Digest;
import dev.peel.oci.Index;
import dev.peel.testing.RegistryServer;
import dev.peel.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push, pull, copy, inspect, tags and index create against Debian's docker-registry on loopback, with skopeo as
 * the oracle. One registry and one multi-arch preset build are shared by the tests of this class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryCliTest {
    @TempDir
    static Path tmp;

    RegistryServer registry;
    Path cache;
    Path built;
    String builtDigest;

    static CliRun.Result peel(String... args) {
        return CliRun.peel(CliRun.env(tmp, "xdg-cache"), args);
    }

    @BeforeAll
    void start() throws Exception {
        registry = RegistryServer.start(tmp.resolve("registry"));
        cache = tmp.resolve("cache");
        built = tmp.resolve("static");
        CliRun.Result b = peel("build", "static", "--arch", "amd64,arm64", "-o", built.toString(), "--cache", cache.toString(), "-q");
        assertEquals(0, b.exit(), b.err());
        builtDigest = b.out().trim();
    }

    @AfterAll
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void pushesAMultiArchPresetThatSkopeoAndPullReadBackIdentically() throws Exception {
        String ref = registry.host() + "/distroless/static:latest";
        CliRun.Result p = peel("push", built.toString(), ref);
        assertEquals(0, p.exit(), p.err());
        assertEquals(builtDigest + "\n" + registry.host() + "/distroless/static@" + builtDigest + "\n", p.out());

        Tools.require("skopeo");
        Tools.Run raw = CliRun.skopeo(tmp, "inspect", "--raw", "--tls-verify=false", "docker://" + ref).ok();
        assertEquals(builtDigest, Digest.of(raw.out().getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
        Path copied = tmp.resolve("skopeo-copy");
        CliRun.skopeo(tmp, "copy", "--all", "--src-tls-verify=false", "docker://" + ref, "oci:" + copied + ":latest").ok();
        Index idx = Index.parse(Files.readAllBytes(copied.resolve("index.json")));
        assertEquals(builtDigest, idx.manifests().get(0).digest().toString());
        assertEquals(blobs(built), blobs(copied), "skopeo copies every blob with the same digest and bytes");

        Path pulled = tmp.resolve("pulled");
        CliRun.Result pull = peel("pull", ref, "-o", pulled.toString());
        assertEquals(0, pull.exit(), pull.err());
        assertEquals(builtDigest + "\n", pull.out());
        assertEquals(tree(built), tree(pulled), "peel pull gives the layout peel build wrote, byte for byte");
        registry.clearRequests();
        CliRun.Result again0 = peel("pull", ref, "-o", pulled.toString());
        assertEquals(0, again0.exit(), again0.err());
        assertEquals(2, registry.count("GET", "/v2/.*/blobs/.*"), "pulling into the same layout fetches the two configs,"
                + " no layer: " + registry.requests());
        assertEquals(tree(built), tree(pulled));

        registry.clearRequests();
        CliRun.Result again = peel("push", built.toString(), ref);
        assertEquals(0, again.exit(), again.err());
        assertEquals(0, registry.count("POST", "/v2/.*/blobs/uploads/.*"), "a second push starts no upload");
        assertEquals(0, registry.count("PUT", "/v2/.*/blobs/uploads/.*"));
        assertEquals(0, registry.count("PATCH", ".*"));

        registry.clearRequests();
        CliRun.Result second = peel("push", built.toString(), registry.host() + "/mirror/static:1");
        assertEquals(0, second.exit(), second.err());
        long blobs = blobs(built).size() - 3; // minus the index and two manifests
        assertEquals(blobs, registry.requests().stream().filter(r -> r.method().equals("POST") && r.uri().contains("mount=")
                && r.status() == 201).count(), "every blob of a push to a second repository is mounted: " + registry.requests());
        assertEquals(0, registry.count("PUT", "/v2/.*/blobs/uploads/.*"), "nothing is uploaded");
        assertTrue(second.err().contains(blobs + " mounted"), second.err());

        CliRun.Result tags = peel("tags", registry.host() + "/mirror/static");
        assertEquals(0, tags.exit(), tags.err());
        assertEquals("1\n", tags.out());

        CliRun.Result inspect = peel("inspect", ref);
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().contains("linux/amd64") && inspect.out().contains("linux/arm64/v8"), inspect.out());
        CliRun.Result files = peel("inspect", ref, "--files", "--platform", "arm64");
        assertEquals(0, files.exit(), files.err());
        assertTrue(files.out().contains(" /etc/passwd"), files.out());

        Path one = tmp.resolve("one");
        CliRun.Result arm = peel("pull", ref, "-o", one.toString(), "--platform", "linux/arm64");
        assertEquals(0, arm.exit(), arm.err());
        String armDigest = idx.manifests().get(0).digest().toString();
        Index top = Index.parse(Files.readAllBytes(built.resolve("blobs/sha256/" + builtDigest.substring(7))));
        String expected = top.manifests().stream().filter(d -> d.platform().architecture().equals("arm64")).findFirst()
                .orElseThrow().digest().toString();
        assertEquals(expected + "\n", arm.out(), armDigest);
    }

    @Test
    void indexCreateFromTwoSingleArchPushesEqualsTheMultiArchBuild() throws Exception {
        Path spec = tmp.resolve("app.yaml");
        Files.writeString(tmp.resolve("hello.txt"), "hello\n");
        Files.writeString(spec, """
                created: 2024-01-01T00:00:00Z
                files:
                  - {path: /hello.txt, source: hello.txt}
                entrypoint: [/hello]
                """);
        String repo = registry.host() + "/team/app";
        for (String arch : List.of("amd64", "arm64")) {
            CliRun.Result b = peel("build", spec.toString(), "--arch", arch, "--push", repo + ":" + arch, "-q");
            assertEquals(0, b.exit(), b.err());
            assertTrue(b.out().endsWith(repo + "@" + b.out().lines().findFirst().orElseThrow() + "\n"), b.out());
        }
        CliRun.Result both = peel("build", spec.toString(), "--arch", "amd64,arm64", "-o", tmp.resolve("both").toString(), "-q");
        assertEquals(0, both.exit(), both.err());

        CliRun.Result idx = peel("index", "create", repo + ":multi", "--from", repo + ":amd64", "--from", repo + ":arm64");
        assertEquals(0, idx.exit(), idx.err());
        assertEquals(both.out().trim(), idx.out().lines().findFirst().orElseThrow(), idx.all());
        Tools.Run raw = CliRun.skopeo(tmp, "inspect", "--raw", "--tls-verify=false", "docker://" + repo + ":multi").ok();
        assertEquals(both.out().trim(), Digest.of(raw.out().getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());

        Path layout = tmp.resolve("assembled");
        CliRun.Result toLayout = peel("index", "create", layout.toString(), "--from", repo + ":amd64", "--from", repo + ":arm64");
        assertEquals(0, toLayout.exit(), toLayout.err());
        assertEquals(both.out(), toLayout.out());

        CliRun.Result dup = peel("index", "create", repo + ":dup", "--from", repo + ":amd64", "--from", repo + ":amd64");
        assertEquals(2, dup.exit(), dup.all());
        assertTrue(dup.err().contains("two images for linux/amd64"), dup.err());
        assertEquals(4, peel("inspect", repo + ":dup").exit(), "nothing was pushed under the refused tag");
    }

    @Test
    void anAppBuiltOnARegistryBaseIsPushedWithTheBaseLayersMounted() throws Exception {
        String base = registry.host() + "/bases/static:1";
        assertEquals(0, peel("push", built.toString(), base).exit());
        Files.writeString(tmp.resolve("app.txt"), "app\n");
        Path spec = tmp.resolve("on-base.yaml");
        Files.writeString(spec, "base: " + base + "\nfiles:\n  - {path: /app.txt, source: app.txt}\n");
        registry.clearRequests();
        CliRun.Result b = peel("build", spec.toString(), "--push", registry.host() + "/apps/on-base:1", "--cache", cache.toString());
        assertEquals(0, b.exit(), b.err());
        long baseLayers = 0;
        try (dev.peel.layout.Layout l = dev.peel.layout.Layout.open(built)) {
            baseLayers = l.imagesUnder(l.resolve(null)).stream().flatMap(i -> i.layers().stream())
                    .map(dev.peel.image.Layer::digest).distinct().count();
        }
        long mounted = registry.requests().stream().filter(r -> r.method().equals("POST") && r.uri().contains("mount=")
                && r.status() == 201).count();
        assertEquals(baseLayers, mounted, "every base layer is mounted from the base's repository: " + b.err());
        assertTrue(b.err().contains(baseLayers + " mounted"), b.err());
    }

    @Test
    void copiesBetweenLayoutArchiveAndRegistry() throws Exception {
        Path tar = tmp.resolve("static.tar");
        CliRun.Result toTar = peel("copy", built.toString(), "oci-archive:" + tar);
        assertEquals(0, toTar.exit(), toTar.err());
        CliRun.Result push = peel("copy", tar.toString(), "docker://" + registry.host() + "/from-tar/static:2");
        assertEquals(0, push.exit(), push.err());
        assertEquals(builtDigest, push.out().lines().findFirst().orElseThrow());
        CliRun.Result back = peel("copy", registry.host() + "/from-tar/static:2", tmp.resolve("back").toString());
        assertEquals(0, back.exit(), back.err());
        assertEquals(builtDigest + "\n", back.out());
    }

    @Test
    void publishesARegistryImageAsAStaticRegistryThatPeelAndSkopeoPull() throws Exception {
        String ref = registry.host() + "/static-src/static:v1";
        assertEquals(0, peel("push", built.toString(), ref).exit());
        Path dest = tmp.resolve("www");
        CliRun.Result pub = peel("publish-static", ref, dest.toString(), "--repo", "distroless/static");
        assertEquals(0, pub.exit(), pub.err());
        assertEquals("distroless/static:v1 " + builtDigest + "\n", pub.out());
        try (dev.peel.testing.NginxServer nginx = dev.peel.testing.NginxServer.start(dest,
                "include " + dest.resolve("nginx.conf") + ";", tmp.resolve("nginx"))) {
            String served = nginx.authority() + "/distroless/static:v1";
            Path pulled = tmp.resolve("from-static");
            CliRun.Result pull = peel("pull", served, "-o", pulled.toString(), "--tag", "latest");
            assertEquals(0, pull.exit(), pull.err());
            assertEquals(builtDigest + "\n", pull.out());
            assertEquals(tree(built), tree(pulled), "peel pulls every platform from the static registry, byte for byte");
            Path copied = tmp.resolve("skopeo-static");
            CliRun.skopeo(tmp, "copy", "--all", "--src-tls-verify=false", "docker://" + served, "oci:" + copied + ":latest").ok();
            assertEquals(blobs(built), blobs(copied));
            CliRun.Result tags = peel("tags", nginx.authority() + "/distroless/static");
            assertEquals("v1\n", tags.out(), tags.err());
        }
    }

    @Test
    void aLayoutNameThatIsNotATagIsRefusedBeforeAnythingIsPushed() throws Exception {
        Path evil = tmp.resolve("evil");
        Files.createDirectories(evil);
        for (Path p : Files.walk(built).toList()) {
            Path to = evil.resolve(built.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(to);
            } else if (!p.getFileName().toString().equals("index.json")) {
                Files.copy(p, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.writeString(evil.resolve("index.json"), Files.readString(built.resolve("index.json"))
                .replace("\"latest\"", "\"../../other/manifests/latest\""));
        registry.clearRequests();
        CliRun.Result r = peel("push", evil.toString(), registry.host() + "/victim/app");
        assertEquals(2, r.exit(), r.all());
        assertTrue(r.err().contains("not a tag"), r.err());
        assertEquals(0, registry.requests().stream().filter(q -> !q.method().equals("GET") && !q.method().equals("HEAD")).count(),
                "nothing was written to the registry: " + registry.requests());
    }

    @Test
    void missingThingsAreClearErrorsWithDocumentedExitCodes() {
        CliRun.Result tag = peel("pull", registry.host() + "/nothing/here:1", "-o", tmp.resolve("none").toString());
        assertEquals(4, tag.exit(), tag.all());
        assertTrue(tag.err().contains("not found"), tag.err());
        assertFalse(Files.exists(tmp.resolve("none")), "nothing is written");
        CliRun.Result unreachable = peel("pull", "127.0.0.1:9/x/y:1", "-o", tmp.resolve("none").toString(), "--retry-budget", "1s");
        assertEquals(4, unreachable.exit(), unreachable.all());
        assertFalse(unreachable.all().contains("internal error") || unreachable.all().contains("\tat "), unreachable.all());
        CliRun.Result bad = peel("push", built.toString(), registry.host() + "/UPPER/case");
        assertEquals(2, bad.exit(), bad.all());
        CliRun.Result help = peel("push", "--help");
        assertTrue(help.out().contains("5    a registry denied access"), help.out());
    }

    static Map<String, String> blobs(Path layout) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(layout.resolve("blobs/sha256"))) {
            for (Path p : s.toList()) {
                out.put(p.getFileName().toString(), Digest.of(Files.readAllBytes(p)).toString());
            }
        }
        return out;
    }

    /** Every file of a tree and its sha256. */
    static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Digest.of(Files.readAllBytes(p)).toString());
            }
        }
        return out;
    }
}
