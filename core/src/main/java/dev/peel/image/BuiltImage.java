package dev.peel.image;

import dev.peel.oci.Descriptor;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Manifest;
import dev.peel.oci.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An image peel made: config and layers in, canonical config and manifest bytes computed once. */
public final class BuiltImage implements Image {
    private final ImageConfig config;
    private final byte[] rawConfig;
    private final List<Layer> layers;
    private final Manifest manifest;
    private final byte[] rawManifest;

    public BuiltImage(ImageConfig config, List<Layer> layers, Map<String, String> annotations) {
        if (config.diffIds().size() != layers.size()) {
            throw new IllegalArgumentException("config lists " + config.diffIds().size() + " diffIDs for "
                    + layers.size() + " layers");
        }
        for (int i = 0; i < layers.size(); i++) {
            if (!config.diffIds().get(i).equals(layers.get(i).diffId())) {
                throw new IllegalArgumentException("diffID " + i + " does not match its layer");
            }
        }
        this.config = config;
        this.rawConfig = config.toJson();
        this.layers = List.copyOf(layers);
        List<Descriptor> ds = new ArrayList<>();
        for (Layer l : layers) {
            ds.add(l.descriptor());
        }
        this.manifest = new Manifest(MediaType.OCI_MANIFEST, Descriptor.of(MediaType.OCI_CONFIG, rawConfig), ds,
                new java.util.TreeMap<>(annotations));
        this.rawManifest = manifest.toJson();
    }

    @Override
    public byte[] rawManifest() {
        return rawManifest.clone();
    }

    @Override
    public Manifest manifest() {
        return manifest;
    }

    @Override
    public byte[] rawConfig() {
        return rawConfig.clone();
    }

    @Override
    public ImageConfig config() {
        return config;
    }

    @Override
    public List<Layer> layers() {
        return layers;
    }
}
