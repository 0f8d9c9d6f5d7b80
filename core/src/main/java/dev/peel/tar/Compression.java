package dev.peel.tar;

import com.github.luben.zstd.ZstdInputStream;
import dev.peel.compress.Deflate;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/** How layer tars are compressed; gzip is what every runtime reads, zstd is smaller and faster. */
public enum Compression {
    GZIP("application/vnd.oci.image.layer.v1.tar+gzip", 6),
    ZSTD("application/vnd.oci.image.layer.v1.tar+zstd", 3),
    NONE("application/vnd.oci.image.layer.v1.tar", 0);

    private final String mediaType;
    private final int defaultLevel;

    Compression(String mediaType, int defaultLevel) {
        this.mediaType = mediaType;
        this.defaultLevel = defaultLevel;
    }

    public String mediaType() {
        return mediaType;
    }

    public int defaultLevel() {
        return defaultLevel;
    }

    /** The name users write: gzip, zstd, none. */
    public String spelling() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * What a cache key of a layer compressed this way must hold: the compression, the level, and for gzip the
     * version of peel's encoder — its bytes are the layer's, so a layer cached by another encoder is not reused.
     */
    public String cacheKey(int level) {
        return this == GZIP ? spelling() + " " + level + " " + Deflate.VERSION : spelling() + " " + level;
    }

    /** Parses gzip, zstd or none; null if not one of them. */
    public static Compression parse(String s) {
        for (Compression c : values()) {
            if (c.spelling().equals(s)) {
                return c;
            }
        }
        return null;
    }

    /** The compression a layer media type implies, or null if not a tar layer type peel knows. */
    public static Compression ofMediaType(String mt) {
        if (mt.endsWith("+gzip") || mt.endsWith(".tar.gzip")) {
            return GZIP;
        }
        if (mt.endsWith("+zstd")) {
            return ZSTD;
        }
        if (mt.endsWith(".tar") || mt.endsWith("rootfs.diff.tar")) {
            return NONE;
        }
        return null;
    }

    /** A compressing stream; closing it closes {@code out}. */
    public OutputStream compress(OutputStream out, int level) throws IOException {
        return switch (this) {
            case GZIP -> new GzipOutputStream(out, level, Workers.compression(), Workers.count());
            case ZSTD -> {
                ZstdOutputStream z = new ZstdOutputStream(out, level);
                z.setChecksum(true);
                yield z;
            }
            case NONE -> out;
        };
    }

    /** A decompressing stream over {@code in}. */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case ZSTD -> new ZstdInputStream(in);
            case NONE -> in;
        };
    }
}
