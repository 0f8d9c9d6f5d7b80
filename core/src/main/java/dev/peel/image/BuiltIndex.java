package dev.peel.image;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Index;
import dev.peel.oci.MediaType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An index peel made over its own images, one manifest per platform in the order given. */
public final class BuiltIndex implements ImageIndex {
    private final Map<dev.peel.oci.Digest, Image> images = new LinkedHashMap<>();
    private final Index index;
    private final byte[] raw;

    public BuiltIndex(List<Image> images, Map<String, String> annotations) {
        List<Descriptor> ds = new ArrayList<>();
        for (Image i : images) {
            this.images.put(i.digest(), i);
            ds.add(i.descriptor());
        }
        this.index = new Index(MediaType.OCI_INDEX, ds, new java.util.TreeMap<>(annotations));
        this.raw = index.toJson();
    }

    @Override
    public byte[] rawIndex() {
        return raw.clone();
    }

    @Override
    public Index index() {
        return index;
    }

    @Override
    public Image image(Descriptor manifest) throws IOException {
        Image i = images.get(manifest.digest());
        if (i == null) {
            throw new IOException("no image " + manifest.digest() + " in this index");
        }
        return i;
    }

    @Override
    public ImageIndex childIndex(Descriptor d) throws IOException {
        throw new IOException("a built index has no nested indexes");
    }

    /** The images in index order. */
    public List<Image> images() {
        return List.copyOf(images.values());
    }
}
