package dev.peel.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.image.BlobLayer;
import dev.peel.image.BuiltImage;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.image.LayerWriter;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Json;
import dev.peel.oci.MediaType;
import dev.peel.tar.Compression;
import dev.peel.tar.Content;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarWriter;
import dev.peel.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Legacy docker-archives (manifest.json, no oci-layout) read as the OCI layouts they would be. */
class DockerArchiveTest {
    @TempDir
    Path tmp;

    private Set<String> tempBefore;

    @BeforeEach
    void rememberTemp() throws IOException {
        tempBefore = peelTemps();
    }

    /** The folders a docker-archive's open made in the temp folder that are still there. */
    private static Set<String> peelTemps() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("peel-docker-archive-"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private void assertTempRemoved() throws IOException {
        assertEquals(tempBefore, peelTemps(), "the temp folder of compressed layers is removed on close");
    }

    /** A layer tar (peel's deterministic writer) with the given files. */
    private static byte[] layerTar(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(out)) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                w.write(TarEntry.file(f.getKey(), 0644, 0, 0, 0, Content.ofBytes(f.getValue())));
            }
        }
        return out.toByteArray();
    }

    /** Over three of peel's 1 MiB gzip blocks, compressible, the same on every run. */
    private static byte[] bigFile() {
        byte[] big = new byte[3_300_000];
        long x = 42;
        for (int i = 0; i < big.length; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            big[i] = (byte) ('a' + ((x >>> 60) & 7));
        }
        return big;
    }

    /** An image peel makes from entries, written as an OCI layout directory. */
    private static Image peelImage(Path dir) throws IOException {
        LayerWriter lw = new LayerWriter(Compression.GZIP);
        Path blobs = dir.resolve("blobs/sha256");
        BlobLayer small = lw.write(List.of(TarEntry.file("etc/hello", 0644, 0, 0, 0,
                Content.ofBytes("hello\n".getBytes(StandardCharsets.UTF_8)))), blobs);
        BlobLayer big = lw.write(List.of(TarEntry.file("usr/share/big.bin", 0644, 0, 0, 0, Content.ofBytes(bigFile()))), blobs);
        ImageConfig config = new ImageConfig("2024-01-01T00:00:00Z", "linux", "amd64", null, ImageConfig.Container.empty(),
                List.of(small.diffId(), big.diffId()), List.of());
        Image image = new BuiltImage(config, List.of(small, big), Map.of());
        new LayoutWriter(dir).write(image, List.of("latest"));
        return image;
    }

    @Test
    void readsSkopeosDockerArchiveAsTheImagePeelBuilt() throws Exception {
        Path oci = tmp.resolve("oci");
        Image built = peelImage(oci);
        Path archive = tmp.resolve("legacy.tar");
        Path home = Files.createDirectories(tmp.resolve("home"));
        Tools.require("skopeo");
        Tools.run(List.of("skopeo", "copy", "oci:" + oci + ":latest", "docker-archive:" + archive + ":example.com/team/app:v2"),
                null, Map.of("HOME", home.toString()), 120).ok();

        try (Layout l = Layout.open(archive)) {
            assertTrue(l.topFile("manifest.json") != null, "manifest.json is still there to read");
            Descriptor top = l.resolve(null);
            assertEquals("v2", top.annotations().get(LayoutWriter.REF_NAME));
            assertEquals("example.com/team/app:v2", top.annotations().get("io.containerd.image.name"));
            assertEquals(MediaType.OCI_MANIFEST, top.mediaType());
            Image read = l.image(top);
            assertArrayEquals(built.rawConfig(), read.rawConfig(), "the config is kept byte for byte");
            List<Digest> diffIds = read.layers().stream().map(Layer::diffId).toList();
            assertEquals(built.config().diffIds(), diffIds);
            // skopeo stored the layers uncompressed; peel's gzip is deterministic, so they come back as built.
            assertEquals(built.digest(), top.digest(), "the manifest is the one peel built");
            for (Layer layer : read.layers()) {
                assertEquals(MediaType.OCI_LAYER_GZIP, layer.mediaType());
                try (InputStream in = l.openBlob(layer.digest())) {
                    assertEquals(Digest.of(in.readAllBytes()), layer.digest());
                }
            }
            assertTrue(peelTemps().size() > tempBefore.size(), "uncompressed layers were compressed into a temp folder");
        }
        assertTempRemoved();
    }

    /** A docker-archive as older docker save wrote it: layer folders, a shared layer linked, two images. */
    private Path handMade(boolean corrupt) throws IOException {
        byte[] base = layerTar(Map.of("etc/base", "base\n".getBytes(StandardCharsets.UTF_8)));
        byte[] app = layerTar(Map.of("app/run", "run\n".getBytes(StandardCharsets.UTF_8)));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(gz)) {
            z.write(app);
        }
        byte[] appGz = gz.toByteArray();

        byte[] config1 = config(Digest.of(corrupt ? layerTar(Map.of("etc/base", "other\n".getBytes(StandardCharsets.UTF_8)))
                : base), Digest.of(app));
        byte[] config2 = config(Digest.of(base));
        List<Object> manifest = new ArrayList<>();
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("Config", Digest.of(config1).hex() + ".json");
        one.put("RepoTags", List.of("one:latest", "registry.example:5000/one:stable"));
        one.put("Layers", List.of("aaa/layer.tar", "bbb/layer.tar"));
        manifest.add(one);
        Map<String, Object> two = new LinkedHashMap<>();
        two.put("Config", Digest.of(config2).hex() + ".json");
        two.put("RepoTags", Json.NULL); // what docker writes for an image saved by ID
        two.put("Layers", List.of("ccc/layer.tar"));
        manifest.add(two);

        Path file = tmp.resolve(corrupt ? "corrupt.tar" : "handmade.tar");
        try (OutputStream out = Files.newOutputStream(file); TarWriter w = new TarWriter(out)) {
            w.write(TarEntry.directory("aaa", 0755, 0, 0, 0));
            w.write(TarEntry.file("aaa/layer.tar", 0644, 0, 0, 0, Content.ofBytes(base)));
            w.write(TarEntry.directory("bbb", 0755, 0, 0, 0));
            w.write(TarEntry.file("bbb/layer.tar", 0644, 0, 0, 0, Content.ofBytes(appGz)));
            w.write(TarEntry.directory("ccc", 0755, 0, 0, 0));
            w.write(TarEntry.symlink("ccc/layer.tar", "../aaa/layer.tar", 0, 0, 0));
            w.write(TarEntry.file(Digest.of(config1).hex() + ".json", 0644, 0, 0, 0, Content.ofBytes(config1)));
            w.write(TarEntry.file(Digest.of(config2).hex() + ".json", 0644, 0, 0, 0, Content.ofBytes(config2)));
            w.write(TarEntry.file("manifest.json", 0644, 0, 0, 0, Content.ofBytes(Json.write(manifest))));
        }
        return file;
    }

    /** A config as docker writes one: fields peel does not model, and diff_ids. */
    private static byte[] config(Digest... diffIds) {
        String ids = Stream.of(diffIds).map(d -> "\"" + d + "\"").collect(Collectors.joining(","));
        return ("{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\",\"docker_version\":\"24.0.7\","
                + "\"config\":{\"Cmd\":[\"/app/run\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void followsLinksKeepsGzipLayersAndNamesEveryTag() throws Exception {
        Path file = handMade(false);
        try (Layout l = Layout.open(file)) {
            List<Descriptor> entries = l.index().manifests();
            assertEquals(3, entries.size(), "one entry per RepoTag, one for the untagged image");
            assertEquals("latest", entries.get(0).annotations().get(LayoutWriter.REF_NAME));
            assertEquals("docker.io/library/one:latest", entries.get(0).annotations().get("io.containerd.image.name"));
            assertEquals("stable", entries.get(1).annotations().get(LayoutWriter.REF_NAME));
            assertEquals(entries.get(0).digest(), entries.get(1).digest());
            assertTrue(entries.get(2).annotations().isEmpty());
            assertEquals("linux/arm64/v8", entries.get(0).platform().toString());
            IOException ambiguous = assertThrows(IOException.class, () -> l.resolve(null));
            assertTrue(ambiguous.getMessage().contains("name one with :TAG"), ambiguous.getMessage());

            Image one = l.image(l.resolve("stable"));
            Image two = l.image(entries.get(2));
            assertEquals(one.layers().get(0).digest(), two.layers().get(0).digest(), "a linked layer is the same blob");
            Layer gz = one.layers().get(1);
            assertEquals(MediaType.OCI_LAYER_GZIP, gz.mediaType());
            byte[] entry;
            try (TarBlobs t = new TarBlobs(file); InputStream in = t.openEntry("bbb/layer.tar")) {
                entry = in.readAllBytes();
            }
            try (InputStream in = l.openBlob(gz.digest())) {
                assertArrayEquals(entry, in.readAllBytes(), "a gzip layer is kept byte for byte");
            }
            try (InputStream in = gz.openUncompressed()) {
                assertEquals(gz.diffId(), Digest.of(in.readAllBytes()));
            }
        }
        assertTempRemoved();
    }

    @Test
    void refusesALayerWhoseTarIsNotTheOneTheConfigNames() throws Exception {
        Path file = handMade(true);
        IOException e = assertThrows(IOException.class, () -> Layout.open(file).close());
        assertTrue(e.getMessage().contains("docker-archive " + file), e.getMessage());
        assertTrue(e.getMessage().contains("layer 1 (aaa/layer.tar)") && e.getMessage().contains("rootfs.diff_ids[0]")
                && e.getMessage().contains("corrupt"), e.getMessage());
        assertTempRemoved();
    }

    @Test
    void refusesAConfigWhoseNameIsAnotherDigest() throws Exception {
        byte[] layer = layerTar(Map.of("x", new byte[] {1}));
        byte[] config = config(Digest.of(layer));
        String wrong = Digest.of("something else".getBytes(StandardCharsets.UTF_8)).hex() + ".json";
        Path file = tmp.resolve("renamed.tar");
        try (OutputStream out = Files.newOutputStream(file); TarWriter w = new TarWriter(out)) {
            w.write(TarEntry.file("l.tar", 0644, 0, 0, 0, Content.ofBytes(layer)));
            w.write(TarEntry.file(wrong, 0644, 0, 0, 0, Content.ofBytes(config)));
            w.write(TarEntry.file("manifest.json", 0644, 0, 0, 0, Content.ofBytes(
                    ("[{\"Config\":\"" + wrong + "\",\"Layers\":[\"l.tar\"]}]").getBytes(StandardCharsets.UTF_8))));
        }
        IOException e = assertThrows(IOException.class, () -> Layout.open(file).close());
        assertTrue(e.getMessage().contains("does not match the digest its name says"), e.getMessage());
    }

    @Test
    void namesWhatIsMissing() throws Exception {
        Path file = tmp.resolve("missing.tar");
        try (OutputStream out = Files.newOutputStream(file); TarWriter w = new TarWriter(out)) {
            w.write(TarEntry.file("manifest.json", 0644, 0, 0, 0, Content.ofBytes(
                    "[{\"Config\":\"c.json\",\"Layers\":[]}]".getBytes(StandardCharsets.UTF_8))));
        }
        IOException e = assertThrows(IOException.class, () -> Layout.open(file).close());
        assertTrue(e.getMessage().contains("names c.json, which the archive does not hold"), e.getMessage());

        Path neither = tmp.resolve("neither.tar");
        try (OutputStream out = Files.newOutputStream(neither); TarWriter w = new TarWriter(out)) {
            w.write(TarEntry.file("hello", 0644, 0, 0, 0, Content.ofBytes(new byte[] {1})));
        }
        IOException n = assertThrows(IOException.class, () -> Layout.open(neither).close());
        assertTrue(n.getMessage().contains("no oci-layout file") && n.getMessage().contains("no manifest.json"), n.getMessage());
    }

    @Test
    void peelsOwnDockerArchiveIsReadAsTheOciLayoutInIt() throws Exception {
        Path oci = tmp.resolve("oci");
        Image built = peelImage(oci);
        Path archive = tmp.resolve("own.tar");
        Archives.writeDockerArchive(built, List.of("app:1"), archive, 0);
        try (Layout l = Layout.open(archive); Layout dir = Layout.open(oci)) {
            assertEquals(dir.resolve(null).digest(), l.resolve(null).digest());
            byte[] indexJson;
            try (TarBlobs t = new TarBlobs(archive); InputStream in = t.openEntry("index.json")) {
                indexJson = in.readAllBytes();
            }
            assertArrayEquals(indexJson, l.rawIndex(), "index.json is the archive's own, not one made from manifest.json");
        }
        assertEquals(tempBefore, peelTemps(), "nothing was compressed");
        assertNotEquals(0, Files.size(archive));
    }
}
