package dev.peel.registry;

import dev.peel.image.Image;
import dev.peel.image.ImageIndex;
import dev.peel.image.Layer;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What publishing one image or index copies, read through the model every source shares, children before
 * parents: each image's layers and config, then its manifest; an index after everything under it.
 * Manifests and configs are read and checked before anything is written; layers are only opened later.
 */
final class StaticContent {
    /** Opens a blob's bytes; called once, when the blob is written. */
    interface Opener {
        InputStream open() throws IOException;
    }

    sealed interface Item permits Blob, Manifest {
    }

    /** A layer or config: served as application/octet-stream. */
    record Blob(Digest digest, long size, Opener opener) implements Item {
    }

    /** An image manifest or index: its raw bytes, served with the media type that points at it. */
    record Manifest(Descriptor descriptor, byte[] raw) implements Item {
    }

    private static final int MAX_DEPTH = 8;

    private StaticContent() {
    }

    static List<Item> collect(dev.peel.image.ContentSource source, Descriptor top) throws IOException {
        List<Item> out = new ArrayList<>();
        collect(source, top, out, 0);
        return out;
    }

    private static void collect(dev.peel.image.ContentSource from, Descriptor d, List<Item> out, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException("indexes nested too deeply");
        }
        if (d.mediaType().isIndex()) {
            ImageIndex child = from.childIndex(d);
            for (Descriptor c : child.index().manifests()) {
                collect(child, c, out, depth + 1);
            }
            out.add(new Manifest(d, checked(d, child.rawIndex())));
        } else if (d.mediaType().isManifest()) {
            Image image = from.image(d);
            for (Layer l : image.layers()) {
                out.add(new Blob(l.digest(), l.size(), l::open));
            }
            byte[] config = image.rawConfig();
            Descriptor cd = image.manifest().config();
            if (config.length != cd.size() || !Digest.of(config).equals(cd.digest())) {
                throw new IOException("the config of " + d.digest() + " does not match its descriptor " + cd.digest());
            }
            out.add(new Blob(cd.digest(), cd.size(), () -> new ByteArrayInputStream(config)));
            out.add(new Manifest(d, checked(d, image.rawManifest())));
        } else {
            throw new IOException(d.digest() + " has media type " + d.mediaType()
                    + ", which peel cannot publish (image manifests and indexes only)");
        }
    }

    /**
     * The raw bytes, once they match the descriptor; the Content-Type served is the descriptor's media type,
     * so a manifest naming another one in its own mediaType field is refused (registries refuse it too).
     */
    private static byte[] checked(Descriptor d, byte[] raw) throws IOException {
        if (raw.length != d.size() || !Digest.of(raw).equals(d.digest())) {
            throw new IOException(d.mediaType() + " " + d.digest() + " does not match its descriptor (" + raw.length
                    + " bytes, " + d.size() + " expected)");
        }
        String own;
        try {
            own = Json.str(Json.parseObject(raw), "mediaType");
        } catch (IllegalArgumentException e) {
            throw new IOException(d.digest() + " is not a JSON manifest: " + e.getMessage(), e);
        }
        if (own != null && !own.equals(d.mediaType().value())) {
            throw new IOException(d.digest() + " says it is a " + own + " but is pointed at as a " + d.mediaType());
        }
        return raw;
    }
}
