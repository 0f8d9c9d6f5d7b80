package dev.peel.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Descriptor;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Json;
import dev.peel.oci.MediaType;
import dev.peel.tar.Compression;
import dev.peel.tar.Content;
import dev.peel.tar.TarEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCI ↔ Docker schema 2: new manifests over the same config and layer bytes. */
class MediaTypesTest {
    @TempDir
    Path tmp;

    private Image image(String arch, Compression c) throws IOException {
        BlobLayer l = new LayerWriter(c).write(List.of(TarEntry.file("etc/" + arch, 0644, 0, 0, 0,
                Content.ofBytes(arch.getBytes(StandardCharsets.UTF_8)))), tmp.resolve("blobs"));
        ImageConfig config = new ImageConfig("2024-01-01T00:00:00Z", "linux", arch, null, ImageConfig.Container.empty(),
                List.of(l.diffId()), List.of());
        return new BuiltImage(config, List.of(l), Map.of());
    }

    @Test
    void anImageGoesToDockerAndBackToTheSameDigest() throws Exception {
        Image oci = image("amd64", Compression.GZIP);
        Image docker = MediaTypes.convert(oci, MediaTypes.Format.DOCKER);
        assertEquals(MediaType.DOCKER_MANIFEST, docker.manifest().mediaType());
        assertEquals(MediaType.DOCKER_CONFIG, docker.manifest().config().mediaType());
        assertEquals(MediaType.DOCKER_LAYER_GZIP, docker.manifest().layers().get(0).mediaType());
        assertEquals(MediaType.DOCKER_LAYER_GZIP, docker.layers().get(0).mediaType());
        assertArrayEquals(oci.rawConfig(), docker.rawConfig(), "the config is the same bytes");
        assertEquals(oci.layers().get(0).digest(), docker.layers().get(0).digest());
        try (InputStream in = docker.layers().get(0).openUncompressed()) {
            assertEquals(oci.layers().get(0).diffId(), dev.peel.oci.Digest.of(in.readAllBytes()));
        }
        assertEquals("application/vnd.docker.distribution.manifest.v2+json",
                Json.str(Json.parseObject(docker.rawManifest()), "mediaType"));

        Image back = MediaTypes.convert(docker, MediaTypes.Format.OCI);
        assertEquals(oci.digest(), back.digest(), "OCI → Docker → OCI is the original manifest");
        assertSame(oci, MediaTypes.convert(oci, MediaTypes.Format.OCI), "already OCI: untouched");
        assertSame(docker, MediaTypes.convert(docker, MediaTypes.Format.DOCKER), "already Docker: untouched");
    }

    @Test
    void anIndexBecomesAManifestListOfDockerManifests() throws Exception {
        BuiltIndex index = new BuiltIndex(List.of(image("amd64", Compression.GZIP), image("arm64", Compression.NONE)), Map.of());
        Descriptor top = new Descriptor(index.index().mediaType(), index.digest(), index.rawIndex().length);
        ContentSource source = new ContentSource() {
            @Override
            public Image image(Descriptor d) throws IOException {
                return index.image(d);
            }

            @Override
            public ImageIndex childIndex(Descriptor d) {
                return index;
            }
        };
        MediaTypes.Converted docker = MediaTypes.convert(source, top, MediaTypes.Format.DOCKER);
        assertEquals(MediaType.DOCKER_MANIFEST_LIST, docker.top().mediaType());
        ImageIndex list = docker.source().childIndex(docker.top());
        assertEquals(docker.top().digest(), list.digest());
        assertEquals(2, list.index().manifests().size());
        for (Descriptor d : list.index().manifests()) {
            assertEquals(MediaType.DOCKER_MANIFEST, d.mediaType());
            Image i = list.image(d);
            assertEquals(d.digest(), i.digest());
            assertEquals(d.platform(), i.config().platform());
        }
        assertEquals("application/vnd.docker.image.rootfs.diff.tar",
                list.image(list.index().manifests().get(1)).layers().get(0).mediaType().value(),
                "an uncompressed layer keeps being uncompressed");
        assertEquals(2, docker.source().imagesUnder(docker.top()).size());

        MediaTypes.Converted back = MediaTypes.convert(docker.source(), docker.top(), MediaTypes.Format.OCI);
        assertEquals(top, back.top(), "and back: the index peel built");
        MediaTypes.Converted same = MediaTypes.convert(source, top, MediaTypes.Format.OCI);
        assertEquals(top, same.top());
        assertSame(index, same.source().childIndex(top));
    }

    @Test
    void zstdLayersCannotBeDocker() throws Exception {
        Image zstd = image("amd64", Compression.ZSTD);
        IOException e = assertThrows(IOException.class, () -> MediaTypes.convert(zstd, MediaTypes.Format.DOCKER));
        assertTrue(e.getMessage().contains("zstd-compressed") && e.getMessage().contains("Docker media types cannot express"),
                e.getMessage());
        assertSame(zstd, MediaTypes.convert(zstd, MediaTypes.Format.OCI));
    }

    @Test
    void formatsAreSpelledInLowerCase() {
        assertEquals(MediaTypes.Format.DOCKER, MediaTypes.Format.parse("docker"));
        assertEquals(MediaTypes.Format.OCI, MediaTypes.Format.parse("oci"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MediaTypes.Format.parse("v2s2"));
        assertTrue(e.getMessage().contains("use oci or docker"), e.getMessage());
    }
}
