package dev.peel.layout;

import dev.peel.image.HashingOutputStream;
import dev.peel.image.Image;
import dev.peel.image.ImageIndex;
import dev.peel.image.Layer;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Index;
import dev.peel.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes an OCI image layout directory: blobs (children before parents, each verified while copied and
 * renamed into place), then oci-layout and index.json with one entry per tag.
 */
public final class LayoutWriter {
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final byte[] OCI_LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

    private final Path dir;

    public LayoutWriter(Path dir) {
        this(dir, null);
    }

    private final Path reuse;

    private LayoutWriter(Path dir, Path reuse) {
        this.dir = dir;
        this.reuse = reuse;
    }

    /**
     * A writer that takes a layer from the layout at {@code existing} (linked, else copied) when it is there with
     * the right size and digest, instead of reading it from its source: pulling into a layout that already holds
     * most of an image downloads only what changed.
     */
    public LayoutWriter reusing(Path existing) {
        return new LayoutWriter(dir, existing);
    }

    /** Writes an image and makes it the layout's content under the given tags. */
    public Descriptor write(Image image, List<String> tags) throws IOException {
        writeImage(image);
        Descriptor d = image.descriptor();
        finish(d, tags);
        return d;
    }

    /** Writes an index with everything under it and makes it the layout's content under the given tags. */
    public Descriptor write(ImageIndex index, List<String> tags) throws IOException {
        writeIndex(index, 0);
        Descriptor d = new Descriptor(index.index().mediaType(), index.digest(), index.rawIndex().length);
        finish(d, tags);
        return d;
    }

    private void finish(Descriptor d, List<String> tags) throws IOException {
        List<Descriptor> entries = new ArrayList<>();
        for (String tag : tags) {
            entries.add(d.withAnnotations(Map.of(REF_NAME, tag)));
        }
        if (entries.isEmpty()) {
            entries.add(d);
        }
        writeFile(dir.resolve("oci-layout"), OCI_LAYOUT);
        writeFile(dir.resolve("index.json"), new Index(MediaType.OCI_INDEX, entries, null).toJson());
    }

    private void writeIndex(ImageIndex index, int depth) throws IOException {
        if (depth > 8) {
            throw new IOException("indexes nested too deeply");
        }
        for (Descriptor d : index.index().manifests()) {
            if (d.mediaType().isIndex()) {
                writeIndex(index.childIndex(d), depth + 1);
            } else if (d.mediaType().isManifest()) {
                writeImage(index.image(d));
            } else {
                throw new IOException("index entry " + d.digest() + " has media type " + d.mediaType()
                        + ", which peel cannot copy");
            }
        }
        writeBlob(index.rawIndex());
    }

    private void writeImage(Image image) throws IOException {
        for (Layer l : image.layers()) {
            writeLayer(l);
        }
        writeBlob(image.rawConfig());
        writeBlob(image.rawManifest());
    }

    /** Writes layers ahead of {@link #write}, several at once (each verified as it is copied). */
    public void writeLayers(List<Layer> layers, int parallelism) throws IOException {
        java.util.Map<Digest, Layer> distinct = new java.util.LinkedHashMap<>();
        for (Layer l : layers) {
            distinct.putIfAbsent(l.digest(), l);
        }
        List<Layer> order = new ArrayList<>(distinct.values());
        order.sort((a, b) -> Long.compare(b.size(), a.size()));
        if (parallelism <= 1 || order.size() <= 1) {
            for (Layer l : order) {
                writeLayer(l);
            }
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                Math.min(parallelism, order.size()), r -> {
                    Thread t = new Thread(r, "peel-layout-write");
                    t.setDaemon(true);
                    return t;
                });
        try {
            List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
            for (Layer l : order) {
                fs.add(pool.submit(() -> {
                    writeLayer(l);
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : fs) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException(e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        } finally {
            pool.shutdownNow();
            try {
                // The caller deletes the folder on failure: no worker may still be writing into it.
                pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Path blobPath(Digest d) {
        return dir.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
    }

    private void writeLayer(Layer l) throws IOException {
        Path target = blobPath(l.digest());
        if (Files.isRegularFile(target) && Files.size(target) == l.size()) {
            return;
        }
        Files.createDirectories(target.getParent());
        if (reuse != null && reuseFrom(l, target)) {
            return;
        }
        Path tmp = Files.createTempFile(target.getParent(), ".blob-", ".tmp");
        try {
            if (l.verifiesOnRead()) {
                // The stream fails before its end on a wrong size or digest; hashing again would cost a second pass.
                long n;
                try (InputStream in = l.open(); OutputStream out = Files.newOutputStream(tmp)) {
                    n = in.transferTo(out);
                }
                if (n != l.size()) {
                    throw new IOException("layer " + l.digest() + " has " + n + " bytes, its descriptor says " + l.size());
                }
                publish(tmp, target);
                return;
            }
            HashingOutputStream h;
            try (InputStream in = l.open(); OutputStream out = Files.newOutputStream(tmp)) {
                h = new HashingOutputStream(out);
                in.transferTo(h);
            }
            if (h.count() != l.size() || !h.digest().equals(l.digest())) {
                throw new IOException("layer " + l.digest() + " does not match its descriptor (" + h.count()
                        + " bytes read, " + l.size() + " expected)");
            }
            publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Links (or copies) the layer from the reused layout when it is there and its bytes hash to its digest. */
    private boolean reuseFrom(Layer l, Path target) {
        Path old = reuse.resolve("blobs").resolve(l.digest().algorithm()).resolve(l.digest().hex());
        try {
            if (!Files.isRegularFile(old, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.size(old) != l.size()) {
                return false;
            }
            java.security.MessageDigest md = Digest.sha256();
            try (InputStream in = Files.newInputStream(old)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            if (!Digest.fromRaw(md.digest()).equals(l.digest())) {
                return false;
            }
            try {
                Files.createLink(target, old);
            } catch (IOException | UnsupportedOperationException e) {
                Path tmp = Files.createTempFile(target.getParent(), ".blob-", ".tmp");
                try {
                    Files.copy(old, tmp, StandardCopyOption.REPLACE_EXISTING);
                    publish(tmp, target);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void writeBlob(byte[] bytes) throws IOException {
        Path target = blobPath(Digest.of(bytes));
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
            return;
        }
        Files.createDirectories(target.getParent());
        writeFile(target, bytes);
    }

    /** Temp files are created 0600; published files are world-readable, as a served layout needs. */
    public static void publish(Path tmp, Path target) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: keep its default permissions.
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void writeFile(Path target, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".tmp");
        try {
            Files.write(tmp, bytes);
            publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
