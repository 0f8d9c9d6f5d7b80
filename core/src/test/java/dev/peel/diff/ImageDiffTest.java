package dev.peel.diff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.image.Layer;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.MediaType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The parts of a diff that need no image: config fields, layer sets, and the digest check on layer bytes. */
class ImageDiffTest {
    static ImageConfig config(String created, String user, List<String> env, List<String> entrypoint, List<String> cmd,
                              String workdir, Map<String, String> labels, List<String> ports, List<String> volumes, String stop) {
        return new ImageConfig(created, "linux", "amd64", null, new ImageConfig.Container(user, new TreeSet<>(ports), env,
                entrypoint, cmd, workdir, new TreeMap<>(labels), stop, new TreeSet<>(volumes)), List.of(), List.of());
    }

    @Test
    void everyConfigFieldIsComparedEnvAndLabelsOneByOne() {
        ImageConfig a = config("2024-01-01T00:00:00Z", "65532", List.of("PATH=/usr/bin", "LANG=C", "LANG=C.UTF-8", "OLD=1"),
                List.of("/app"), null, "/", Map.of("team", "a", "keep", "x"), List.of("8080/tcp"), List.of(), null);
        ImageConfig b = config("2024-02-01T00:00:00Z", "0", List.of("PATH=/usr/bin", "LANG=C.UTF-8", "NEW=2"),
                List.of("/app", "--serve"), List.of("x"), "/srv", Map.of("team", "b", "keep", "x", "added", "y"),
                List.of("8080/tcp", "9090/tcp"), List.of("/data"), "SIGTERM");
        List<String> got = ImageDiff.config(a, b).stream()
                .map(c -> c.field() + ": " + c.before() + " → " + c.after()).toList();
        assertEquals(List.of(
                "entrypoint: [\"/app\"] → [\"/app\",\"--serve\"]",
                "cmd: null → [\"x\"]",
                "env.NEW: null → 2",
                "env.OLD: 1 → null",
                "workdir: / → /srv",
                "user: 65532 → 0",
                "ports: 8080/tcp → 8080/tcp 9090/tcp",
                "labels.added: null → y",
                "labels.team: a → b",
                "volumes: null → /data",
                "stopsignal: null → SIGTERM",
                "created: 2024-01-01T00:00:00Z → 2024-02-01T00:00:00Z"), got, "LANG's last assignment is the same on both sides");
        assertEquals(List.of(), ImageDiff.config(a, a));
    }

    static ImageDiff.LayerRef ref(String hex, long size, int index) {
        return new ImageDiff.LayerRef(Digest.parse("sha256:" + hex.repeat(64 / hex.length())), size, index);
    }

    @Test
    void aPullFetchesBsLayersAHasNotEachBlobOnce() {
        List<ImageDiff.LayerRef> a = List.of(ref("a", 100, 1), ref("b", 200, 2));
        List<ImageDiff.LayerRef> b = List.of(ref("a", 100, 1), ref("c", 300, 2), ref("c", 300, 3), ref("d", 50, 4));
        ImageDiff.Layers l = ImageDiff.layers(a, b);
        assertEquals(List.of(ref("a", 100, 1)), l.shared());
        assertEquals(List.of(ref("b", 200, 2)), l.onlyA());
        assertEquals(List.of(ref("c", 300, 2), ref("c", 300, 3), ref("d", 50, 4)), l.onlyB());
        assertEquals(350, l.fetchBytes(), "the blob two layers share is fetched once");
    }

    record BytesLayer(byte[] bytes, Digest digest, long size) implements Layer {
        @Override
        public Digest diffId() {
            return digest;
        }

        @Override
        public MediaType mediaType() {
            return MediaType.OCI_LAYER;
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(bytes);
        }
    }

    @Test
    void layerBytesAreCheckedAgainstTheDigestAndSizeEvenWhenNotReadToTheEnd() throws Exception {
        byte[] good = "the layer's bytes".getBytes(StandardCharsets.UTF_8);
        Layer ok = VerifiedLayer.of(new BytesLayer(good, Digest.of(good), good.length));
        try (InputStream in = ok.open()) {
            assertArrayEquals(good, in.readAllBytes());
        }
        try (InputStream in = ok.open()) {
            assertEquals('t', in.read(), "closing early reads the rest for the check, which passes");
        }

        byte[] evil = "the layer's bytez".getBytes(StandardCharsets.UTF_8);
        Layer swapped = VerifiedLayer.of(new BytesLayer(evil, Digest.of(good), good.length));
        IOException e = assertThrows(IOException.class, () -> {
            try (InputStream in = swapped.open()) {
                in.readAllBytes();
            }
        });
        assertTrue(e.getMessage().contains("does not match its digest"), e.getMessage());
        IOException early = assertThrows(IOException.class, () -> {
            try (InputStream in = swapped.open()) {
                in.read();
            }
        });
        assertTrue(early.getMessage().contains("does not match its digest"), early.getMessage());

        Layer longer = VerifiedLayer.of(new BytesLayer(good, Digest.of(good), good.length - 1));
        IOException more = assertThrows(IOException.class, () -> longer.open().readAllBytes());
        assertTrue(more.getMessage().contains("more bytes than its descriptor's " + (good.length - 1)), more.getMessage());
        Layer shorter = VerifiedLayer.of(new BytesLayer(good, Digest.of(good), good.length + 1));
        IOException less = assertThrows(IOException.class, () -> shorter.open().readAllBytes());
        assertTrue(less.getMessage().contains("has " + good.length + " bytes, its descriptor says " + (good.length + 1)), less.getMessage());
    }
}
