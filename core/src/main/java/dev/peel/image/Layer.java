package dev.peel.image;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.MediaType;
import dev.peel.tar.Compression;
import java.io.IOException;
import java.io.InputStream;

/** A layer: its compressed blob (digest, size, media type) and the digest of its tar (diffID). */
public interface Layer {
    Digest digest();

    Digest diffId();

    long size();

    MediaType mediaType();

    /** The compressed bytes, as stored in a blob. */
    InputStream open() throws IOException;

    /** The tar itself. */
    default InputStream openUncompressed() throws IOException {
        Compression c = Compression.ofMediaType(mediaType().value());
        if (c == null) {
            throw new IOException("not a tar layer media type: " + mediaType());
        }
        return c.decompress(open());
    }

    /** Whether {@link #open()} itself fails when the bytes do not match the digest (a registry's layer does). */
    default boolean verifiesOnRead() {
        return false;
    }

    /** The layer whose bytes these are: itself, or what a wrapper (a media-type change) wraps. */
    default Layer origin() {
        return this;
    }

    default Descriptor descriptor() {
        return new Descriptor(mediaType(), digest(), size());
    }

    /** A layer whose digest, size and media type are a manifest descriptor's (layers read from layouts and registries). */
    interface Described extends Layer {
        Descriptor described();

        @Override
        default Digest digest() {
            return described().digest();
        }

        @Override
        default long size() {
            return described().size();
        }

        @Override
        default MediaType mediaType() {
            return described().mediaType();
        }
    }
}
