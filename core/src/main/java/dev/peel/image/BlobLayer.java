package dev.peel.image;

import dev.peel.oci.Digest;
import dev.peel.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** A layer whose compressed bytes are a file on disk. */
public record BlobLayer(Path file, Digest digest, Digest diffId, long size, MediaType mediaType) implements Layer {
    @Override
    public InputStream open() throws IOException {
        return Files.newInputStream(file);
    }
}
