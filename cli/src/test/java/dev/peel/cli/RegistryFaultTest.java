package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Digest;
import dev.peel.testing.FaultProxy;
import dev.peel.testing.RegistryServer;
import dev.peel.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fault-injecting proxy between peel and a real registry: dropped connections mid-blob, 5xx, 429 with
 * Retry-After, stalls — pushes and pulls complete within the retry budget or fail clearly after it, and a tag
 * never names an incomplete image. A hostile registry (wrong digests, oversized or malformed manifests, bad
 * blobs, redirects, malformed challenges) is refused with exit code 3 and nothing written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryFaultTest {
    @TempDir
    static Path tmp;

    RegistryServer registry;
    FaultProxy proxy;
    Path image;
    String digest;

    CliRun.Result peel(String... args) {
        // A cache per test: no test mounts blobs another one pushed (the cache remembers where blobs live).
        return CliRun.peel(CliRun.env(tmp, "xdg-cache-" + testName), args);
    }

    @BeforeAll
    void start() throws Exception {
        registry = RegistryServer.start(tmp.resolve("registry"));
        proxy = FaultProxy.start(registry.host());
        // A 40 MB layer of random bytes (uploaded in chunks) and a small one (uploaded whole), for two platforms.
        byte[] big = new byte[40 * 1024 * 1024];
        new Random(7).nextBytes(big);
        Files.write(tmp.resolve("big.bin"), big);
        Files.writeString(tmp.resolve("small.txt"), "small\n");
        Path spec = tmp.resolve("app.yaml");
        Files.writeString(spec, """
                files:
                  - {path: /data/big.bin, source: big.bin}
                  - {path: /data/small.txt, source: small.txt}
                """);
        image = tmp.resolve("image");
        CliRun.Result b = peel("build", spec.toString(), "--arch", "amd64,arm64", "--compression", "none", "-o", image.toString(), "-q");
        assertEquals(0, b.exit(), b.err());
        digest = b.out().trim();
    }

    @AfterAll
    void stop() {
        proxy.close();
        registry.close();
    }

    String testName = "setup";

    @BeforeEach
    void healthy(org.junit.jupiter.api.TestInfo info) {
        proxy.clearRules();
        testName = info.getTestMethod().orElseThrow().getName();
    }

    @Test
    void pushAndPullCompleteThroughResetsErrorsThrottlingAndStalls() throws Exception {
        proxy.on("POST", "/v2/.*/blobs/uploads/").first().reset();
        proxy.on("HEAD", "/v2/.*/blobs/.*").first().respond(429, "Retry-After", "1");
        proxy.on("HEAD", "/v2/.*/blobs/.*").nth(2).stall(1500);
        FaultProxy.Rule cut = proxy.on("PATCH", "/v2/.*/blobs/uploads/.*").nth(2).dropRequestAfter(3 << 20);
        FaultProxy.Rule busy = proxy.on("PUT", "/v2/.*/blobs/uploads/.*").times(2).respond(503);
        proxy.on("PUT", "/v2/.*/manifests/.*").first().respond(502);
        String ref = proxy.host() + "/faults/app:1";
        CliRun.Result push = peel("push", image.toString(), ref, "--retry-budget", "60s");
        assertEquals(0, push.exit(), push.all());
        assertEquals(1, cut.fired(), "an upload was cut mid-chunk");
        assertEquals(2, busy.fired());
        assertTrue(push.err().contains("retry"), "retries are reported: " + push.err());

        // The registry itself (not through the proxy) has the image, byte for byte.
        Tools.Run raw = CliRun.skopeo(tmp, "inspect", "--raw", "--tls-verify=false", "docker://" + registry.host() + "/faults/app:1").ok();
        assertEquals(digest, Digest.of(raw.out().getBytes(StandardCharsets.UTF_8)).toString());

        FaultProxy.Rule dropped = proxy.on("GET", "/v2/.*/blobs/sha256:.*").first().dropResponseAfter(1 << 20);
        proxy.on("GET", "/v2/.*/blobs/sha256:.*").nth(3).respond(500);
        proxy.on("GET", "/v2/.*/manifests/.*").first().respond(503, "Retry-After", "1");
        Path pulled = tmp.resolve("pulled");
        CliRun.Result pull = peel("pull", ref, "-o", pulled.toString(), "--tag", "latest");
        assertEquals(0, pull.exit(), pull.all());
        assertEquals(1, dropped.fired());
        assertEquals(RegistryCliTest.tree(image), RegistryCliTest.tree(pulled), "the pulled layout is the built one");
    }

    @Test
    void aPushThatCannotCompleteFailsClearlyAndLeavesNoTag() throws Exception {
        proxy.on("PUT", "/v2/.*/manifests/.*").respond(503);
        String ref = proxy.host() + "/faults/never:1";
        long t0 = System.nanoTime();
        CliRun.Result push = peel("push", image.toString(), ref, "--retry-budget", "3s");
        assertEquals(4, push.exit(), push.all());
        assertTrue(push.err().contains("gave up"), push.err());
        assertTrue((System.nanoTime() - t0) / 1_000_000_000L < 60, "the budget bounds the time");
        proxy.clearRules();
        CliRun.Result tag = peel("inspect", registry.host() + "/faults/never:1");
        assertEquals(4, tag.exit(), "no tag exists: " + tag.all());

        proxy.on("PATCH", "/v2/.*/blobs/uploads/.*").reset();
        proxy.on("PUT", "/v2/.*/blobs/uploads/.*").reset();
        proxy.on("POST", "/v2/.*/blobs/uploads/.*").respond(500);
        CliRun.Result blobs = peel("push", image.toString(), proxy.host() + "/faults/blobless:2", "--retry-budget", "3s");
        assertEquals(4, blobs.exit(), blobs.all());
        assertEquals(0, proxy.exchanges("PUT", "/v2/faults/blobless/manifests/.*").size(), "no manifest is pushed without its blobs");
        assertFalse(blobs.all().contains("\tat "), blobs.all());
    }

    /** Pulls through the proxy with one hostile rule; must exit 3, write nothing, print no stack trace. */
    void refused(String ref, String expected, Runnable rule) throws Exception {
        proxy.clearRules();
        rule.run();
        Path out = tmp.resolve("hostile-" + System.nanoTime());
        CliRun.Result r = peel("pull", ref, "-o", out.toString(), "--retry-budget", "5s");
        assertEquals(3, r.exit(), r.all());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(r.all().contains("\tat ") || r.all().contains("internal error"), r.all());
        assertFalse(Files.exists(out), "nothing is written");
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("." + out.getFileName())), "no temporaries left");
        }
    }

    @Test
    void aHostileRegistryIsRefused() throws Exception {
        String ref = proxy.host() + "/hostile/app:1";
        assertEquals(0, peel("push", image.toString(), registry.host() + "/hostile/app:1").exit());
        String byDigest = proxy.host() + "/hostile/app@" + digest;
        byte[] other = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}"
                .getBytes(StandardCharsets.UTF_8);

        refused(ref, "Docker-Content-Digest says", () -> proxy.on("GET", "/v2/.*/manifests/1").rewrite(r -> r.replaceBody(other)));
        refused(byDigest, "whose digest is", () -> proxy.on("GET", "/v2/.*/manifests/sha256:.*").rewrite(r -> r.replaceBody(other)));
        byte[] huge = new byte[5 * 1024 * 1024];
        Arrays.fill(huge, (byte) ' ');
        refused(ref, "over 4 MiB", () -> proxy.on("GET", "/v2/.*/manifests/.*").respond(200, huge,
                "Content-Type", "application/vnd.oci.image.index.v1+json"));
        refused(ref, "not valid JSON", () -> proxy.on("GET", "/v2/.*/manifests/.*").respond(200,
                "{\"manifests\": [".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/vnd.oci.image.index.v1+json"));
        refused(ref, "redirected to another host", () -> proxy.on("GET", "/v2/.*/manifests/.*").respond(307,
                "Location", "http://127.0.0.2:9/v2/hostile/app/manifests/1"));
        refused(ref, "malformed WWW-Authenticate", () -> proxy.on("GET", "/v2/.*/manifests/.*").respond(401,
                "WWW-Authenticate", "Bearer realm=\"http://127.0.0.1:9/token"));
        refused(ref, "does not match its digest", () -> proxy.on("GET", "/v2/.*/blobs/sha256:.*").rewrite(r -> {
            byte[] b = r.body();
            if (b.length > 0) {
                b[b.length / 2] ^= 1;
            }
            r.replaceBody(b);
        }));
        refused(ref, "larger than its descriptor", () -> proxy.on("GET", "/v2/.*/blobs/sha256:.*").rewrite(r -> {
            byte[] b = r.body();
            r.replaceBody(Arrays.copyOf(b, b.length + 1));
        }));
    }
}
