package dev.peel.image;

import dev.peel.oci.Descriptor;
import java.io.IOException;

/** Where images and indexes named by descriptors can be read: a layout, an index, a registry repository. */
public interface ContentSource {
    /** The image a manifest descriptor points at. */
    Image image(Descriptor manifest) throws IOException;

    /** The index a descriptor points at. */
    ImageIndex childIndex(Descriptor index) throws IOException;

    /** Every image under a descriptor (the image itself, or every image of an index, nested ones followed). */
    default java.util.List<Image> imagesUnder(Descriptor d) throws IOException {
        java.util.List<Image> out = new java.util.ArrayList<>();
        collect(this, d, out, 0);
        return out;
    }

    private static void collect(ContentSource from, Descriptor d, java.util.List<Image> out, int depth) throws IOException {
        if (depth > 8) {
            throw new IOException("indexes nested too deeply");
        }
        if (d.mediaType().isIndex()) {
            ImageIndex child = from.childIndex(d);
            for (Descriptor c : child.index().manifests()) {
                collect(child, c, out, depth + 1);
            }
        } else if (d.mediaType().isManifest()) {
            out.add(from.image(d));
        }
    }
}
