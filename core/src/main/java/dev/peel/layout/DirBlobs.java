package dev.peel.layout;

import dev.peel.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Blobs of an OCI layout directory: {@code blobs/sha256/<hex>}. */
record DirBlobs(Path dir) implements Blobs {
    Path path(Digest d) {
        return dir.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
    }

    @Override
    public InputStream open(Digest d) throws IOException {
        try {
            return Files.newInputStream(path(d));
        } catch (NoSuchFileException e) {
            throw new IOException("blob " + d + " is missing from " + dir);
        }
    }

    @Override
    public long size(Digest d) throws IOException {
        Path p = path(d);
        return Files.isRegularFile(p) ? Files.size(p) : -1;
    }

    @Override
    public byte[] top(String name) throws IOException {
        Path p = dir.resolve(name);
        return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
    }

    @Override
    public void close() {
    }
}
