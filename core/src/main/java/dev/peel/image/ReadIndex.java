package dev.peel.image;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Index;
import java.io.IOException;

/** An index read from a source; the images and indexes it names are read from that same source. */
public record ReadIndex(ContentSource source, byte[] rawIndex, Index index) implements ImageIndex {
    public ReadIndex {
        rawIndex = rawIndex.clone();
    }

    @Override
    public byte[] rawIndex() {
        return rawIndex.clone();
    }

    @Override
    public Image image(Descriptor d) throws IOException {
        return source.image(d);
    }

    @Override
    public ImageIndex childIndex(Descriptor d) throws IOException {
        return source.childIndex(d);
    }
}
