package dev.peel.image;

import dev.peel.oci.Digest;
import dev.peel.oci.MediaType;
import dev.peel.tar.Compression;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Streams entries through tar, sha256 (diffID), the compressor and sha256 (digest) into a blob file named
 * by its digest. Nothing is held in memory beyond fixed buffers.
 */
public final class LayerWriter {
    private final Compression compression;
    private final int level;

    public LayerWriter(Compression compression, int level) {
        this.compression = compression;
        this.level = level;
    }

    public LayerWriter(Compression compression) {
        this(compression, compression.defaultLevel());
    }

    /** Writes the layer into {@code blobDir/<hex>} (temp file, then rename) and returns it. */
    public BlobLayer write(List<TarEntry> entries, Path blobDir) throws IOException {
        return write(entries, blobDir, n -> { });
    }

    /** Writes a layer's entries into a tar stream, one by one (so they need not be held together). */
    public interface Body {
        void writeTo(TarWriter tar) throws IOException;
    }

    /** As {@link #write(List, Path)}, telling {@code progress} how many tar bytes were written, as it goes. */
    public BlobLayer write(List<TarEntry> entries, Path blobDir, LongConsumer progress) throws IOException {
        return write(w -> {
            for (TarEntry e : entries) {
                w.write(e);
            }
        }, blobDir, progress);
    }

    /** Writes the entries {@code body} produces into {@code blobDir/<hex>} (temp file, then rename). */
    public BlobLayer write(Body body, Path blobDir, LongConsumer progress) throws IOException {
        Files.createDirectories(blobDir);
        Path tmp = Files.createTempFile(blobDir, ".layer-", ".tmp");
        try {
            HashingOutputStream compressed;
            HashingOutputStream tar;
            try (OutputStream file = Files.newOutputStream(tmp)) {
                compressed = new HashingOutputStream(new BufferedOutputStream(file, 64 * 1024));
                // Closed on every path: zstd holds a native context until then.
                try (OutputStream z = compression.compress(compressed, level)) {
                    tar = new HashingOutputStream(z, progress);
                    try (TarWriter w = new TarWriter(new BufferedOutputStream(tar, 64 * 1024))) {
                        body.writeTo(w);
                    }
                }
            }
            Digest digest = compressed.digest();
            Digest diffId = tar.digest();
            Path target = blobDir.resolve(digest.hex());
            dev.peel.layout.LayoutWriter.publish(tmp, target);
            return new BlobLayer(target, digest, diffId, compressed.count(), new MediaType(compression.mediaType()));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
