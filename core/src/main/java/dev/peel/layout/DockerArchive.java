package dev.peel.layout;

import dev.peel.image.HashingOutputStream;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Index;
import dev.peel.oci.Json;
import dev.peel.oci.Manifest;
import dev.peel.oci.MediaType;
import dev.peel.tar.Compression;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A legacy docker-archive — what {@code docker save} wrote before Docker 25, {@code podman save --format
 * docker-archive} and skopeo's {@code docker-archive:} — read as the OCI layout it would be. Such an archive has
 * no manifest, only manifest.json naming each image's config file and layer tars, so one is made per image:
 * OCI media types, the config's bytes as they are (its digest is the file's sha256) and a blob per layer. A
 * gzip or zstd layer is kept byte for byte; an uncompressed one is gzipped by peel (deterministic, default
 * level: an image peel built comes back with its own digests) into a temp folder that close deletes. That
 * happens at open, because index.json needs the manifests' digests and they need the layers'. Every layer's
 * diffID must be the one the config lists, or the archive is refused.
 */
final class DockerArchive implements Blobs {
    private static final long MAX_DOCUMENT = 64L * 1024 * 1024;
    private static final byte[] OCI_LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
    private static final String IMAGE_NAME = "io.containerd.image.name";

    /** A layer blob: a file of the archive kept as it is ({@code entry}), or one peel compressed ({@code file}). */
    private record LayerBlob(Digest digest, long size, Digest diffId, MediaType mediaType, String entry, Path file) {
    }

    private final TarBlobs tar;
    /** Made manifests and the configs, by digest; both are small. */
    private final Map<Digest, byte[]> documents = new HashMap<>();
    private final Map<Digest, LayerBlob> layers = new HashMap<>();
    /** Layers by the archive file they come from, so a file several images share is read once. */
    private final Map<String, LayerBlob> byEntry = new HashMap<>();
    private byte[] index;
    private Path temp;
    private Thread cleanup;

    private DockerArchive(TarBlobs tar) {
        this.tar = tar;
    }

    /** True when the tar is a docker-archive without an OCI layout in it (peel's own --docker-tar has one). */
    static boolean isLegacy(TarBlobs tar) {
        return tar.entrySize("oci-layout") < 0 && tar.entrySize("manifest.json") >= 0;
    }

    /** Reads the archive's images and makes their blobs; on failure nothing is left behind. */
    static DockerArchive read(TarBlobs tar) throws IOException {
        DockerArchive a = new DockerArchive(tar);
        try {
            a.load();
            return a;
        } catch (IOException | RuntimeException e) {
            a.deleteTemp();
            throw e;
        }
    }

    private IOException fail(String what) {
        return new IOException("docker-archive " + tar.file() + ": " + what);
    }

    private void load() throws IOException {
        Object parsed;
        try {
            parsed = Json.parse(document("manifest.json"));
        } catch (IllegalArgumentException e) {
            throw fail("manifest.json is malformed: " + e.getMessage());
        }
        if (!(parsed instanceof List<?> images) || images.isEmpty()) {
            throw fail("manifest.json lists no images");
        }
        List<Descriptor> entries = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            if (!(images.get(i) instanceof Map<?, ?> raw)) {
                throw fail("manifest.json entry " + (i + 1) + " is not an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) raw;
            List<String> repoTags;
            Descriptor d;
            try {
                String config = Json.str(m, "Config");
                if (config == null) {
                    throw fail("manifest.json entry " + (i + 1) + " has no Config");
                }
                repoTags = strings(Json.arr(m, "RepoTags"));
                d = image(config, strings(Json.arr(m, "Layers")));
            } catch (IllegalArgumentException e) {
                throw fail("manifest.json entry " + (i + 1) + ": " + e.getMessage());
            }
            // One index.json entry per tag, so FILE:TAG picks any of them; a copy without :TAG takes the
            // first entry, hence the first RepoTag. An image saved by ID alone gets an entry without a name.
            if (repoTags.isEmpty()) {
                entries.add(d);
            }
            for (String t : repoTags) {
                entries.add(d.withAnnotations(Map.of(IMAGE_NAME, Archives.fullName(t), LayoutWriter.REF_NAME,
                        Archives.tagOf(t))));
            }
        }
        index = new Index(MediaType.OCI_INDEX, entries, null).toJson();
    }

    /** One image of manifest.json: its config kept, its layers made blobs, a manifest made over them. */
    private Descriptor image(String configPath, List<String> layerPaths) throws IOException {
        byte[] config = document(configPath);
        Digest configDigest = Digest.of(config);
        // docker, podman and skopeo name the config by its digest, so a name that says otherwise is damage.
        String base = configPath.substring(configPath.lastIndexOf('/') + 1);
        String named = base.endsWith(".json") ? base.substring(0, base.length() - ".json".length()) : base;
        if (named.matches("[0-9a-f]{64}") && !named.equals(configDigest.hex())) {
            throw fail("config " + configPath + " does not match the digest its name says (its sha256 is "
                    + configDigest.hex() + "); the archive is corrupt");
        }
        ImageConfig parsed;
        try {
            parsed = ImageConfig.parse(config);
        } catch (IllegalArgumentException e) {
            throw fail("config " + configPath + " is malformed: " + e.getMessage());
        }
        List<Digest> diffIds = parsed.diffIds();
        if (diffIds.size() != layerPaths.size()) {
            throw fail("config " + configPath + " lists " + diffIds.size() + " diff_ids, manifest.json "
                    + layerPaths.size() + " layers");
        }
        List<Descriptor> ds = new ArrayList<>();
        for (int i = 0; i < layerPaths.size(); i++) {
            LayerBlob b = layer(layerPaths.get(i));
            if (!b.diffId().equals(diffIds.get(i))) {
                throw fail("layer " + (i + 1) + " (" + layerPaths.get(i) + ") is not the layer the config lists: "
                        + "the sha256 of its tar is " + b.diffId() + ", rootfs.diff_ids[" + i + "] is "
                        + diffIds.get(i) + "; the archive is corrupt");
            }
            ds.add(new Descriptor(b.mediaType(), b.digest(), b.size()));
        }
        byte[] manifest = new Manifest(MediaType.OCI_MANIFEST, Descriptor.of(MediaType.OCI_CONFIG, config), ds, null)
                .toJson();
        documents.put(configDigest, config);
        documents.put(Digest.of(manifest), manifest);
        return new Descriptor(MediaType.OCI_MANIFEST, Digest.of(manifest), manifest.length, parsed.platform(), null);
    }

    /** A small file of the archive, whole. */
    private byte[] document(String path) throws IOException {
        long size = tar.entrySize(path);
        if (size < 0) {
            throw fail("manifest.json names " + path + ", which the archive does not hold");
        }
        if (size > MAX_DOCUMENT) {
            throw fail(path + " is too large (" + size + " bytes)");
        }
        try (InputStream in = tar.openEntry(path)) {
            return in.readAllBytes();
        }
    }

    private LayerBlob layer(String path) throws IOException {
        String entry = tar.resolve(path);
        if (entry == null) {
            throw fail("manifest.json names layer " + path + ", which the archive does not hold");
        }
        LayerBlob b = byEntry.get(entry);
        if (b == null) {
            try {
                b = makeLayer(entry);
            } catch (IOException e) {
                throw fail("layer " + path + " cannot be read: " + e.getMessage());
            }
            byEntry.put(entry, b);
            layers.putIfAbsent(b.digest(), b);
        }
        return b;
    }

    private LayerBlob makeLayer(String entry) throws IOException {
        try (InputStream in = tar.openEntry(entry)) {
            // openEntry buffers, so the magic bytes can be looked at and given back.
            in.mark(8);
            byte[] head = in.readNBytes(6);
            in.reset();
            Compression kept = sniff(head);
            if (kept != Compression.NONE) {
                return keep(entry, in, kept);
            }
            return compress(in);
        }
    }

    /** gzip and zstd are kept (OCI can say both); uncompressed is NONE; what peel cannot read is an error. */
    private static Compression sniff(byte[] h) throws IOException {
        if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        if (h.length >= 4 && (h[0] & 0xff) == 0x28 && (h[1] & 0xff) == 0xb5 && (h[2] & 0xff) == 0x2f
                && (h[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        if (h.length >= 6 && (h[0] & 0xff) == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X' && h[4] == 'Z') {
            throw new IOException("it is xz-compressed; peel reads uncompressed, gzip and zstd layers");
        }
        if (h.length >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') {
            throw new IOException("it is bzip2-compressed; peel reads uncompressed, gzip and zstd layers");
        }
        return Compression.NONE;
    }

    /** A compressed layer is its own blob; its diffID is the sha256 of what it decompresses to. */
    private LayerBlob keep(String entry, InputStream in, Compression c) throws IOException {
        MessageDigest whole = Digest.sha256();
        DigestInputStream counted = new DigestInputStream(in, whole);
        HashingOutputStream tarBytes = new HashingOutputStream(OutputStream.nullOutputStream());
        try (InputStream plain = c.decompress(counted)) {
            plain.transferTo(tarBytes);
            // Bytes after the compressed stream are still part of the blob the digest names.
            counted.transferTo(OutputStream.nullOutputStream());
        }
        return new LayerBlob(Digest.fromRaw(whole.digest()), tar.entrySize(entry), tarBytes.digest(),
                new MediaType(c.mediaType()), entry, null);
    }

    /** An uncompressed layer is gzipped, streamed: the tar's sha256 (diffID) and the blob's on the way. */
    private LayerBlob compress(InputStream in) throws IOException {
        Path dir = temp();
        Path tmp = Files.createTempFile(dir, ".layer-", ".tmp");
        try {
            HashingOutputStream blob;
            HashingOutputStream tarBytes;
            try (OutputStream file = Files.newOutputStream(tmp)) {
                blob = new HashingOutputStream(new BufferedOutputStream(file, 64 * 1024));
                try (OutputStream z = Compression.GZIP.compress(blob, Compression.GZIP.defaultLevel())) {
                    tarBytes = new HashingOutputStream(z);
                    in.transferTo(tarBytes);
                }
            }
            Digest digest = blob.digest();
            Path target = dir.resolve(digest.hex());
            // Two files of the archive with the same tar make the same blob; the first one stays.
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            return new LayerBlob(digest, blob.count(), tarBytes.digest(), new MediaType(Compression.GZIP.mediaType()),
                    null, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The temp folder, made on first use; a shutdown hook removes it if peel is stopped before close. */
    private Path temp() throws IOException {
        if (temp == null) {
            temp = Files.createTempDirectory("peel-docker-archive-");
            Path dir = temp;
            cleanup = new Thread(() -> dev.peel.io.Trees.deleteQuietly(dir), "peel-docker-archive-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
        return temp;
    }

    private static List<String> strings(List<Object> values) {
        List<String> out = new ArrayList<>();
        for (Object o : values) {
            if (!(o instanceof String s)) {
                throw new IllegalArgumentException("expected a list of strings");
            }
            out.add(s);
        }
        return out;
    }

    @Override
    public InputStream open(Digest d) throws IOException {
        byte[] doc = documents.get(d);
        if (doc != null) {
            return new ByteArrayInputStream(doc);
        }
        LayerBlob b = layers.get(d);
        if (b == null) {
            throw new IOException("blob " + d + " is missing from " + tar.file());
        }
        return b.file() != null ? Files.newInputStream(b.file()) : tar.openEntry(b.entry());
    }

    @Override
    public long size(Digest d) {
        byte[] doc = documents.get(d);
        if (doc != null) {
            return doc.length;
        }
        LayerBlob b = layers.get(d);
        return b == null ? -1 : b.size();
    }

    @Override
    public byte[] top(String name) throws IOException {
        return switch (name) {
            case "oci-layout" -> OCI_LAYOUT.clone();
            case "index.json" -> index.clone();
            default -> tar.top(name);
        };
    }

    @Override
    public void close() throws IOException {
        try {
            tar.close();
        } finally {
            deleteTemp();
        }
    }

    private void deleteTemp() {
        if (temp == null) {
            return;
        }
        dev.peel.io.Trees.deleteQuietly(temp);
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook deletes the folder again, harmlessly.
        }
        temp = null;
    }

}
