package dev.peel.layout;

import dev.peel.image.Image;
import dev.peel.image.ImageIndex;
import dev.peel.image.Layer;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Index;
import dev.peel.oci.Json;
import dev.peel.oci.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI image layout read from a directory or a tar of one; its index.json is an {@link ImageIndex}
 * whose raw bytes are the file's. Manifests and configs are checked against their digests when read.
 * A legacy docker-archive (a tar with manifest.json and no oci-layout) is read as the OCI layout it would
 * be: see {@link DockerArchive}.
 */
public final class Layout implements ImageIndex, java.io.Closeable {
    private final Blobs blobs;
    private final byte[] raw;
    private final Index index;

    private Layout(Blobs blobs) throws IOException {
        this.blobs = blobs;
        byte[] layoutFile = blobs.top("oci-layout");
        if (layoutFile == null) {
            throw new IOException(blobs instanceof TarBlobs
                    ? "neither an OCI archive (no oci-layout file) nor a docker-archive (no manifest.json)"
                    : "not an OCI image layout (no oci-layout file)");
        }
        try {
            String version = Json.str(Json.parseObject(layoutFile), "imageLayoutVersion");
            if (version == null || !version.startsWith("1.")) {
                throw new IOException("unsupported imageLayoutVersion " + version);
            }
            this.raw = blobs.top("index.json");
            if (raw == null) {
                throw new IOException("not an OCI image layout (no index.json)");
            }
            this.index = Index.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed layout: " + e.getMessage(), e);
        }
    }

    /** Opens a layout directory or a tar archive holding one. */
    public static Layout open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return new Layout(new DirBlobs(path));
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + " does not exist");
        }
        TarBlobs t = new TarBlobs(path);
        Blobs blobs = t;
        try {
            if (DockerArchive.isLegacy(t)) {
                blobs = DockerArchive.read(t);
            }
            return new Layout(blobs);
        } catch (IOException | RuntimeException e) {
            blobs.close();
            throw e;
        }
    }

    @Override
    public byte[] rawIndex() {
        return raw.clone();
    }

    @Override
    public Index index() {
        return index;
    }

    @Override
    public Image image(Descriptor d) throws IOException {
        if (!d.mediaType().isManifest()) {
            throw new IOException(d.digest() + " is a " + d.mediaType() + ", not an image manifest");
        }
        byte[] rawManifest = blobs.readVerified(d.digest(), d.size());
        try {
            Manifest m = Manifest.parse(rawManifest);
            byte[] rawConfig = blobs.readVerified(m.config().digest(), m.config().size());
            ImageConfig config = ImageConfig.parse(rawConfig);
            if (config.diffIds().size() != m.layers().size()) {
                throw new IOException("image " + d.digest() + ": config has " + config.diffIds().size()
                        + " diff_ids for " + m.layers().size() + " layers");
            }
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < m.layers().size(); i++) {
                layers.add(new LayoutLayer(blobs, m.layers().get(i), config.diffIds().get(i)));
            }
            return new dev.peel.image.ReadImage(rawManifest, m, rawConfig, config, layers);
        } catch (IllegalArgumentException e) {
            throw new IOException("image " + d.digest() + " is malformed: " + e.getMessage(), e);
        }
    }

    @Override
    public ImageIndex childIndex(Descriptor d) throws IOException {
        if (!d.mediaType().isIndex()) {
            throw new IOException(d.digest() + " is a " + d.mediaType() + ", not an index");
        }
        byte[] r = blobs.readVerified(d.digest(), d.size());
        try {
            return new dev.peel.image.ReadIndex(this, r, Index.parse(r));
        } catch (IllegalArgumentException e) {
            throw new IOException("index " + d.digest() + " is malformed: " + e.getMessage(), e);
        }
    }

    /** A top-level file of the layout (such as a docker-archive's manifest.json), or null. */
    public byte[] topFile(String name) throws IOException {
        return blobs.top(name);
    }

    @Override
    public void close() throws IOException {
        blobs.close();
    }

    /** Reads a whole layer blob, for inspection. */
    public InputStream openBlob(Digest d) throws IOException {
        return blobs.open(d);
    }

    private record LayoutLayer(Blobs blobs, Descriptor d, Digest diffId) implements Layer.Described {
        @Override
        public Descriptor described() {
            return d;
        }

        @Override
        public InputStream open() throws IOException {
            return blobs.open(d.digest());
        }
    }

    /** The descriptor in index.json tagged {@code ref}, or the only one when {@code ref} is null. */
    public Descriptor resolve(String ref) throws IOException {
        List<Descriptor> ms = index.manifests();
        if (ref == null) {
            if (ms.size() == 1) {
                return ms.get(0);
            }
            java.util.Set<Digest> distinct = new java.util.HashSet<>();
            for (Descriptor d : ms) {
                distinct.add(d.digest());
            }
            if (distinct.size() == 1 && !ms.isEmpty()) {
                return ms.get(0);
            }
            throw new IOException("the layout holds " + ms.size() + " entries; name one with :TAG");
        }
        for (Descriptor d : ms) {
            if (ref.equals(d.annotations().get("org.opencontainers.image.ref.name"))) {
                return d;
            }
        }
        throw new IOException("no entry tagged '" + ref + "' in index.json");
    }
}
