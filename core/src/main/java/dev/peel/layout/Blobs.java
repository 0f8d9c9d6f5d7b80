package dev.peel.layout;

import dev.peel.oci.Digest;
import java.io.IOException;
import java.io.InputStream;

/** Where a layout's blobs live: a directory or a tar archive. */
interface Blobs extends AutoCloseable {
    /** Opens a blob; a missing blob is an IOException naming it. */
    InputStream open(Digest d) throws IOException;

    /** The blob's size on disk, or -1 when missing. */
    long size(Digest d) throws IOException;

    /** A small named file at the layout's top (index.json, oci-layout, manifest.json), or null. */
    byte[] top(String name) throws IOException;

    @Override
    void close() throws IOException;

    /** Reads a small blob whole and checks its digest and expected size. */
    default byte[] readVerified(Digest d, long expectedSize) throws IOException {
        if (expectedSize > 64L * 1024 * 1024) {
            throw new IOException("blob " + d + " is too large for a manifest or config (" + expectedSize + " bytes)");
        }
        byte[] b;
        try (InputStream in = open(d)) {
            b = in.readAllBytes();
        }
        if (b.length != expectedSize) {
            throw new IOException("blob " + d + " has " + b.length + " bytes, its descriptor says " + expectedSize);
        }
        if (!Digest.of(b).equals(d)) {
            throw new IOException("blob " + d + " does not match its digest");
        }
        return b;
    }
}
