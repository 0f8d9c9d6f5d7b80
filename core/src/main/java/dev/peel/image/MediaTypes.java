package dev.peel.image;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Index;
import dev.peel.oci.Manifest;
import dev.peel.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Puts an image or index into OCI or Docker schema 2 media types, as wrappers over the original: configs and
 * layers are the same bytes under other media types; manifests and indexes are made anew from the old ones,
 * so their digests change. What already has the wanted types is returned as it is, digest and all. Docker
 * schema 2 has no annotations on manifests and manifest lists, so those are dropped going to Docker (as
 * skopeo does); annotations on descriptors stay.
 */
public final class MediaTypes {
    /** Docker's uncompressed layer; skopeo and docker read it, though registries rarely hold one. */
    static final MediaType DOCKER_LAYER = new MediaType("application/vnd.docker.image.rootfs.diff.tar");

    /** The media types a conversion writes. */
    public enum Format {
        OCI, DOCKER;

        /** {@code oci} or {@code docker}; anything else is an {@link IllegalArgumentException} naming both. */
        public static Format parse(String s) {
            for (Format f : values()) {
                if (f.spelling().equals(s)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown format '" + s + "'; use oci or docker");
        }

        /** The name users write. */
        public String spelling() {
            return name().toLowerCase(Locale.ROOT);
        }

        MediaType manifest() {
            return this == OCI ? MediaType.OCI_MANIFEST : MediaType.DOCKER_MANIFEST;
        }

        MediaType index() {
            return this == OCI ? MediaType.OCI_INDEX : MediaType.DOCKER_MANIFEST_LIST;
        }
    }

    /** A converted tree: where it is read, and the descriptor of its top. */
    public record Converted(ContentSource source, Descriptor top) {
    }

    private MediaTypes() {
    }

    /** What {@code top} names in {@code source}, in the media types of {@code to}. */
    public static Converted convert(ContentSource source, Descriptor top, Format to) throws IOException {
        Map<Digest, Object> nodes = new HashMap<>();
        Descriptor converted = convert(source, top, to, nodes, 0);
        return new Converted(new Nodes(nodes), converted);
    }

    /** One image in the media types of {@code to}; the image itself when it has them already. */
    public static Image convert(Image image, Format to) throws IOException {
        Manifest m = image.manifest();
        Descriptor config = retype(m.config(), configType(m.config().mediaType(), to));
        List<Descriptor> layerDescriptors = new ArrayList<>();
        List<Layer> layers = new ArrayList<>();
        boolean same = m.mediaType().equals(to.manifest()) && config.equals(m.config());
        for (int i = 0; i < m.layers().size(); i++) {
            Descriptor old = m.layers().get(i);
            MediaType type = layerType(old, to);
            same &= type.equals(old.mediaType());
            layerDescriptors.add(retype(old, type));
            Layer l = image.layers().get(i);
            layers.add(type.equals(l.mediaType()) ? l : new Retyped(l, type));
        }
        if (same) {
            return image;
        }
        Manifest manifest = new Manifest(to.manifest(), config, layerDescriptors,
                to == Format.DOCKER ? null : m.annotations());
        return new ConvertedImage(manifest.toJson(), manifest, image, List.copyOf(layers));
    }

    private static Descriptor convert(ContentSource from, Descriptor d, Format to, Map<Digest, Object> nodes, int depth)
            throws IOException {
        if (depth > 8) {
            throw new IOException("indexes nested too deeply");
        }
        if (d.mediaType().isManifest()) {
            Image image = from.image(d);
            Image converted = convert(image, to);
            nodes.put(converted.digest(), converted);
            if (converted == image) {
                return d;
            }
            return new Descriptor(to.manifest(), converted.digest(), converted.rawManifest().length, d.platform(),
                    d.annotations());
        }
        if (!d.mediaType().isIndex()) {
            throw new IOException(d.digest() + " is a " + d.mediaType() + ", neither an image nor an index");
        }
        ImageIndex index = from.childIndex(d);
        List<Descriptor> children = new ArrayList<>();
        for (Descriptor c : index.index().manifests()) {
            if (c.mediaType().isManifest() || (c.mediaType().isIndex() && to == Format.OCI)) {
                children.add(convert(index, c, to, nodes, depth + 1));
            } else if (to == Format.OCI) {
                // An artifact or other entry OCI can hold: kept as it is, for the writer to judge.
                children.add(c);
            } else {
                throw new IOException("index " + index.digest() + " holds " + c.digest() + " of media type "
                        + c.mediaType() + ", which a Docker manifest list cannot hold; copy one platform with --platform, "
                        + "or keep OCI media types");
            }
        }
        if (index.index().mediaType().equals(to.index()) && children.equals(index.index().manifests())) {
            nodes.put(index.digest(), index);
            return d;
        }
        Index converted = new Index(to.index(), children, to == Format.DOCKER ? null : index.index().annotations());
        ConvertedIndex ci = new ConvertedIndex(converted.toJson(), converted, nodes);
        nodes.put(ci.digest(), ci);
        return new Descriptor(to.index(), ci.digest(), ci.rawIndex().length, d.platform(), d.annotations());
    }

    private static Descriptor retype(Descriptor d, MediaType type) {
        return type.equals(d.mediaType()) ? d
                : new Descriptor(type, d.digest(), d.size(), d.platform(), d.annotations());
    }

    private static MediaType configType(MediaType type, Format to) throws IOException {
        if (type.equals(MediaType.OCI_CONFIG) || type.equals(MediaType.DOCKER_CONFIG)) {
            return to == Format.OCI ? MediaType.OCI_CONFIG : MediaType.DOCKER_CONFIG;
        }
        if (to == Format.DOCKER) {
            throw new IOException("the config's media type " + type + " has no Docker equivalent (not an image?)");
        }
        return type;
    }

    /** The layer's media type in {@code to}: the same compression, Docker's or OCI's spelling of it. */
    private static MediaType layerType(Descriptor layer, Format to) throws IOException {
        MediaType t = layer.mediaType();
        boolean gzip = t.equals(MediaType.OCI_LAYER_GZIP) || t.equals(MediaType.DOCKER_LAYER_GZIP);
        boolean plain = t.equals(MediaType.OCI_LAYER) || t.equals(DOCKER_LAYER);
        if (gzip || plain) {
            return to == Format.OCI ? (gzip ? MediaType.OCI_LAYER_GZIP : MediaType.OCI_LAYER)
                    : (gzip ? MediaType.DOCKER_LAYER_GZIP : DOCKER_LAYER);
        }
        if (t.value().contains("foreign") || t.value().contains("nondistributable")) {
            // Their "urls" are not kept by peel's descriptors, so a rewritten manifest would lose where they live.
            throw new IOException("layer " + layer.digest() + " is a non-distributable layer (" + t
                    + "); peel does not convert those");
        }
        if (to == Format.OCI) {
            return t;
        }
        if (t.value().endsWith("+zstd")) {
            throw new IOException("layer " + layer.digest() + " is zstd-compressed (" + t + "), which Docker media "
                    + "types cannot express; keep OCI media types, or build with --compression gzip");
        }
        throw new IOException("layer " + layer.digest() + " has media type " + t
                + ", which Docker media types cannot express; keep OCI media types");
    }

    /** Every node of a converted tree by digest: what a writer or pusher asks for as it walks down. */
    private record Nodes(Map<Digest, Object> nodes) implements ContentSource {
        @Override
        public Image image(Descriptor d) throws IOException {
            if (nodes.get(d.digest()) instanceof Image i) {
                return i;
            }
            throw new IOException("no image " + d.digest() + " in the converted tree");
        }

        @Override
        public ImageIndex childIndex(Descriptor d) throws IOException {
            if (nodes.get(d.digest()) instanceof ImageIndex i) {
                return i;
            }
            throw new IOException("no index " + d.digest() + " in the converted tree");
        }
    }

    private record ConvertedIndex(byte[] raw, Index index, Map<Digest, Object> nodes) implements ImageIndex {
        @Override
        public byte[] rawIndex() {
            return raw.clone();
        }

        @Override
        public Image image(Descriptor d) throws IOException {
            return new Nodes(nodes).image(d);
        }

        @Override
        public ImageIndex childIndex(Descriptor d) throws IOException {
            return new Nodes(nodes).childIndex(d);
        }
    }

    /** The same config and layers under a new manifest. */
    private record ConvertedImage(byte[] raw, Manifest manifest, Image original, List<Layer> layers) implements Image {
        @Override
        public byte[] rawManifest() {
            return raw.clone();
        }

        @Override
        public byte[] rawConfig() {
            return original.rawConfig();
        }

        @Override
        public ImageConfig config() {
            return original.config();
        }
    }

    /** A layer's bytes under another media type (the same compression, spelled by the other format). */
    private record Retyped(Layer layer, MediaType mediaType) implements Layer {
        @Override
        public Digest digest() {
            return layer.digest();
        }

        @Override
        public Digest diffId() {
            return layer.diffId();
        }

        @Override
        public long size() {
            return layer.size();
        }

        @Override
        public InputStream open() throws IOException {
            return layer.open();
        }

        @Override
        public Layer origin() {
            return layer.origin();
        }
    }
}
