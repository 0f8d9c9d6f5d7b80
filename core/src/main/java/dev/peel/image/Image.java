package dev.peel.image;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Manifest;
import java.util.List;

/** A single-platform image as every source and sink sees it; digests come from the raw bytes. */
public interface Image {
    byte[] rawManifest();

    Manifest manifest();

    byte[] rawConfig();

    ImageConfig config();

    /** The layers in manifest order. */
    List<Layer> layers();

    default Digest digest() {
        return Digest.of(rawManifest());
    }

    /** A descriptor of the manifest, with the config's platform. */
    default Descriptor descriptor() {
        return new Descriptor(manifest().mediaType(), digest(), rawManifest().length, config().platform(),
                null);
    }
}
