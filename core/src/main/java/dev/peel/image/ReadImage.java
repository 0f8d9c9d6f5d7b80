package dev.peel.image;

import dev.peel.oci.ImageConfig;
import dev.peel.oci.Manifest;
import java.util.List;

/** An image read from a source (a layout, a registry): the raw manifest and config as read, parsed once. */
public record ReadImage(byte[] rawManifest, Manifest manifest, byte[] rawConfig, ImageConfig config, List<Layer> layers)
        implements Image {
    public ReadImage {
        rawManifest = rawManifest.clone();
        rawConfig = rawConfig.clone();
        layers = List.copyOf(layers);
    }

    @Override
    public byte[] rawManifest() {
        return rawManifest.clone();
    }

    @Override
    public byte[] rawConfig() {
        return rawConfig.clone();
    }
}
