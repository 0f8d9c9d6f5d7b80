package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.layout.Layout;
import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import dev.peel.oci.MediaType;
import dev.peel.testing.RegistryServer;
import dev.peel.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legacy docker-archives (skopeo's docker-archive:, the format of docker save before 25) as a source of copy and
 * push, and --format docker|oci, with skopeo and umoci as the oracles.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerArchiveTest {
    @TempDir
    static Path tmp;

    Path built;
    String builtDigest;
    Path ownArchive;
    Path legacy;

    static CliRun.Result peel(String... args) {
        return CliRun.peel(CliRun.env(tmp, "xdg-cache"), args);
    }

    static Tools.Run skopeo(String... args) throws Exception {
        return CliRun.skopeo(tmp, args);
    }

    @BeforeAll
    void buildAndSave() throws Exception {
        Path spec = tmp.resolve("hello.yaml");
        Files.writeString(spec, """
                created: 2024-01-01T00:00:00Z
                files:
                  - {path: /etc/hello, content: "hello\\n"}
                  - {path: /usr/local/bin/app, content: "#!/bin/true\\n", mode: "0755"}
                entrypoint: [/usr/local/bin/app]
                """);
        built = tmp.resolve("built");
        ownArchive = tmp.resolve("own.tar");
        CliRun.Result b = peel("build", spec.toString(), "-o", built.toString(), "--docker-tar", ownArchive.toString(),
                "--cache", tmp.resolve("cache").toString(), "-q");
        assertEquals(0, b.exit(), b.err());
        builtDigest = b.out().trim();
        legacy = tmp.resolve("legacy.tar");
        // skopeo writes the pre-25 docker save format: manifest.json, <hex>.json, uncompressed <hex>.tar layers.
        skopeo("copy", "oci:" + built + ":latest", "docker-archive:" + legacy + ":hello:v1").ok();
        List<String> names = Tools.run("tar", "tf", legacy.toString()).ok().out().lines().toList();
        assertTrue(names.contains("manifest.json") && !names.contains("oci-layout"), names.toString());
    }

    private static Map<String, Object> rawManifest(String image) throws Exception {
        return Json.parseObject(skopeo("inspect", "--raw", image).ok().out().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void copiesALegacyArchiveAsOciByDefault() throws Exception {
        Path out = tmp.resolve("as-oci");
        CliRun.Result r = peel("copy", legacy.toString(), "oci:" + out);
        assertEquals(0, r.exit(), r.err());
        // The layers were stored uncompressed; peel's gzip gives back the very blobs the build made.
        assertEquals(builtDigest + "\n", r.out());
        assertTrue(r.err().contains("(tags v1)"), r.err());

        Map<String, Object> m = rawManifest("oci:" + out + ":v1");
        assertEquals(MediaType.OCI_MANIFEST.value(), m.get("mediaType"));
        Tools.Run inspect = skopeo("inspect", "oci:" + out + ":v1").ok();
        assertTrue(inspect.out().contains("\"Architecture\": \"amd64\""), inspect.out());
        Tools.require("umoci");
        Path bundle = tmp.resolve("bundle");
        Tools.run("umoci", "unpack", "--image", out + ":v1", bundle.toString()).ok();
        assertEquals("hello\n", Files.readString(bundle.resolve("rootfs/etc/hello")));

        try (Layout from = Layout.open(legacy); Layout orig = Layout.open(built)) {
            var a = from.image(from.resolve(null));
            var o = orig.image(orig.resolve(null));
            assertArrayEquals(o.rawConfig(), a.rawConfig(), "the config is kept byte for byte");
            assertEquals(o.config().diffIds(), a.layers().stream().map(l -> l.diffId()).toList());
        }
    }

    @Test
    void copiesItWithDockerMediaTypesWhenAskedAndBackToOci() throws Exception {
        Path out = tmp.resolve("as-docker");
        CliRun.Result r = peel("copy", legacy.toString(), "oci:" + out, "--format", "docker");
        assertEquals(0, r.exit(), r.err());
        String dockerDigest = r.out().trim();
        assertNotEquals(builtDigest, dockerDigest, "other media types, other manifest");
        assertTrue(r.err().contains("converted to docker media types: " + builtDigest + " → " + dockerDigest), r.err());

        // skopeo 1.9 looks a layout's tag up among OCI-typed entries only; the layout's one entry it takes untagged.
        Map<String, Object> m = rawManifest("oci:" + out);
        assertEquals(MediaType.DOCKER_MANIFEST.value(), m.get("mediaType"));
        assertEquals(MediaType.DOCKER_CONFIG.value(), Json.str(Json.obj(m, "config"), "mediaType"));
        for (Object l : Json.arr(m, "layers")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> layer = (Map<String, Object>) l;
            assertEquals(MediaType.DOCKER_LAYER_GZIP.value(), layer.get("mediaType"));
        }
        Path viaSkopeo = tmp.resolve("skopeo-from-docker");
        skopeo("copy", "oci:" + out, "docker-archive:" + viaSkopeo + ":hello:v1").ok();
        assertTrue(Files.size(viaSkopeo) > 0);

        // Already Docker: the default copies it as it is, --format oci converts it back to what peel built.
        CliRun.Result same = peel("copy", out.toString(), "oci:" + tmp.resolve("docker-again"));
        assertEquals(dockerDigest + "\n", same.out(), same.err());
        CliRun.Result back = peel("copy", out.toString(), "oci:" + tmp.resolve("oci-again"), "--format", "oci");
        assertEquals(builtDigest + "\n", back.out(), back.err());
    }

    @Test
    void refusesAnArchiveWhoseLayerIsNotTheOneItsConfigNames() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("unpacked"));
        Tools.run("tar", "-xf", legacy.toString(), "-C", dir.toString()).ok();
        Path layer;
        try (Stream<Path> s = Files.list(dir)) {
            layer = s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}\\.tar")).findFirst().orElseThrow();
        }
        byte[] tar = Files.readAllBytes(layer);
        tar[0] ^= 1; // the first file's name: still a tar, another one
        Files.write(layer, tar);
        Path corrupt = tmp.resolve("corrupt.tar");
        Tools.run("tar", "-cf", corrupt.toString(), "-C", dir.toString(), ".").ok();

        Path out = tmp.resolve("never");
        CliRun.Result r = peel("copy", corrupt.toString(), "oci:" + out);
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("docker-archive " + corrupt) && r.err().contains("is not the layer the config lists")
                && r.err().contains("the archive is corrupt"), r.err());
        assertFalse(Files.exists(out), "nothing is written");
    }

    @Test
    void peelsOwnDockerTarStaysTheOciLayoutInIt() throws Exception {
        CliRun.Result r = peel("copy", ownArchive.toString(), "oci:" + tmp.resolve("from-own"));
        assertEquals(0, r.exit(), r.err());
        assertEquals(builtDigest + "\n", r.out());
        try (Layout l = Layout.open(ownArchive)) {
            byte[] indexJson = Tools.run("tar", "xOf", ownArchive.toString(), "index.json").ok().out()
                    .getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(indexJson, l.rawIndex(), "its own index.json, not one made from manifest.json");
            assertEquals(builtDigest, l.resolve(null).digest().toString());
        }
    }

    @Test
    void pushesOciByDefaultAndDockerWhenAsked() throws Exception {
        try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
            String oci = registry.host() + "/hello/oci:v1";
            CliRun.Result p = peel("push", legacy.toString(), oci);
            assertEquals(0, p.exit(), p.err());
            assertEquals(builtDigest, p.out().lines().findFirst().orElseThrow());
            assertEquals(MediaType.OCI_MANIFEST.value(),
                    rawManifest("--tls-verify=false", "docker://" + oci).get("mediaType"));

            String docker = registry.host() + "/hello/docker:v1";
            CliRun.Result d = peel("push", legacy.toString(), docker, "--format", "docker");
            assertEquals(0, d.exit(), d.err());
            String digest = d.out().lines().findFirst().orElseThrow();
            Tools.Run raw = skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + docker).ok();
            assertEquals(digest, Digest.of(raw.out().getBytes(StandardCharsets.UTF_8)).toString());
            assertEquals(MediaType.DOCKER_MANIFEST.value(), Json.str(Json.parseObject(raw.out().getBytes(StandardCharsets.UTF_8)), "mediaType"));
            skopeo("copy", "--src-tls-verify=false", "docker://" + docker, "oci:" + tmp.resolve("pulled-docker") + ":v1").ok();

            // zstd has no Docker media type: refused before anything is pushed.
            Path zstd = tmp.resolve("zstd");
            CliRun.Result zb = peel("build", tmp.resolve("hello.yaml").toString(), "-o", zstd.toString(), "--compression", "zstd",
                    "--cache", tmp.resolve("cache").toString(), "-q");
            assertEquals(0, zb.exit(), zb.err());
            registry.clearRequests();
            CliRun.Result z = peel("push", zstd.toString(), registry.host() + "/hello/zstd:v1", "--format", "docker");
            assertEquals(1, z.exit(), z.err());
            assertTrue(z.err().contains("is zstd-compressed") && z.err().contains("Docker media types cannot express"), z.err());
            assertEquals(0, registry.count("PUT", ".*") + registry.count("POST", ".*"), "nothing is pushed");
        }
    }

    private static Map<String, Object> rawManifest(String tlsFlag, String image) throws Exception {
        return Json.parseObject(skopeo("inspect", "--raw", tlsFlag, image).ok().out().getBytes(StandardCharsets.UTF_8));
    }
}
