package dev.peel.image;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Index;
import java.io.IOException;

/** A multi-platform index as every source and sink sees it. */
public interface ImageIndex extends ContentSource {
    byte[] rawIndex();

    Index index();

    /** The image a manifest descriptor of this index points at. */
    @Override
    Image image(Descriptor manifest) throws IOException;

    /** The nested index a descriptor of this index points at. */
    @Override
    ImageIndex childIndex(Descriptor index) throws IOException;

    default Digest digest() {
        return Digest.of(rawIndex());
    }
}
