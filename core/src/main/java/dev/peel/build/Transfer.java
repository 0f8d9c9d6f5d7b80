package dev.peel.build;

import dev.peel.image.ContentSource;
import dev.peel.image.Image;
import dev.peel.image.ImageIndex;
import dev.peel.image.Layer;
import dev.peel.image.MediaTypes;
import dev.peel.layout.Archives;
import dev.peel.layout.Layout;
import dev.peel.layout.LayoutWriter;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Platform;
import dev.peel.registry.BlobLocations;
import dev.peel.registry.Pusher;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.registry.Remote;
import dev.peel.registry.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies between any two endpoints — registry, OCI layout, OCI archive — through the one read-only model:
 * open a source (what its top descriptor names), optionally narrow it to one platform, write it to a sink.
 */
public final class Transfer {
    private Transfer() {
    }

    /** An opened source: where content is read, the descriptor the endpoint names, and the tags it carries. */
    public record Opened(ContentSource source, Descriptor top, List<String> tags, String display, java.io.Closeable closer)
            implements AutoCloseable {
        @Override
        public void close() throws IOException {
            if (closer != null) {
                closer.close();
            }
        }

        /** Every image under the top descriptor. */
        public List<Image> images() throws IOException {
            return source.imagesUnder(top);
        }
    }

    /** Opens an endpoint for reading; a registry source needs a client. */
    public static Opened open(Endpoint e, RegistryClient client) throws IOException {
        if (e instanceof Endpoint.Local l) {
            Layout layout = Layout.open(l.path());
            try {
                Descriptor top = layout.resolve(l.tag());
                List<String> tags = new ArrayList<>();
                if (l.tag() != null) {
                    tags.add(l.tag());
                } else {
                    // Every name the layout gives this content (a build's --tag 1.0 --tag latest).
                    for (Descriptor d : layout.index().manifests()) {
                        String name = d.annotations().get(LayoutWriter.REF_NAME);
                        if (name != null && d.digest().equals(top.digest()) && !tags.contains(name)) {
                            tags.add(name);
                        }
                    }
                }
                return new Opened(layout, strip(top), tags, l.toString(), layout);
            } catch (IOException | RuntimeException ex) {
                layout.close();
                throw ex;
            }
        }
        Reference ref = ((Endpoint.Remote) e).ref();
        Remote remote = new Remote(client.repository(ref));
        Repository.Fetched f = remote.top(ref);
        if (ref.digest() == null && ref.tag() == null) {
            ref = ref.withTag("latest");
        }
        List<String> tags = ref.tag() != null ? List.of(ref.tag()) : List.of();
        return new Opened(remote, f.descriptor(), tags, ref.toString(), null);
    }

    /** An index made here (not read from anywhere) as a source. */
    public static Opened of(ImageIndex index, String display) {
        Descriptor top = new Descriptor(index.index().mediaType(), index.digest(), index.rawIndex().length);
        ContentSource src = new ContentSource() {
            @Override
            public Image image(Descriptor d) throws IOException {
                return index.image(d);
            }

            @Override
            public ImageIndex childIndex(Descriptor d) throws IOException {
                return d.digest().equals(index.digest()) ? index : index.childIndex(d);
            }
        };
        return new Opened(src, top, List.of(), display, null);
    }

    private static Descriptor strip(Descriptor d) {
        return new Descriptor(d.mediaType(), d.digest(), d.size());
    }

    /** The same source narrowed to the image of one platform (an error naming the platforms there are). */
    public static Opened select(Opened o, Platform wanted) throws IOException {
        if (wanted == null) {
            return o;
        }
        if (!o.top().mediaType().isIndex()) {
            Image i = o.source().image(o.top());
            if (!i.config().platform().matches(wanted)) {
                throw new IOException(o.display() + " is for " + i.config().platform() + ", not " + wanted);
            }
            return o;
        }
        List<String> have = new ArrayList<>();
        ImageIndex idx = o.source().childIndex(o.top());
        for (Descriptor d : idx.index().manifests()) {
            if (d.platform() != null && d.mediaType().isManifest()) {
                have.add(d.platform().toString());
                if (d.platform().matches(wanted)) {
                    return new Opened(idx, strip(d), o.tags(), o.display(), o.closer());
                }
            }
        }
        throw new IOException("no image for " + wanted + " in " + o.display() + " (it has " + String.join(", ", have) + ")");
    }

    /**
     * The same source with its manifests and indexes in OCI or Docker media types; {@code null} keeps them as they
     * are. A conversion that changes anything makes new manifests, so the top's digest changes.
     */
    public static Opened convert(Opened o, MediaTypes.Format format) throws IOException {
        if (format == null) {
            return o;
        }
        MediaTypes.Converted c = MediaTypes.convert(o.source(), o.top(), format);
        return new Opened(c.source(), c.top(), o.tags(), o.display(), o.closer());
    }

    /** Writes the source into a layout directory (made aside, then moved into place; an older layout replaced). */
    public static Descriptor toLayout(Opened o, Path dir, List<String> tags, int parallelism) throws IOException {
        if (Files.exists(dir) && (!Files.isDirectory(dir) || !isEmptyOrLayout(dir))) {
            throw new IOException(dir + " exists and is not an OCI layout; peel will not replace it");
        }
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Temporaries.sweep(dir);
        Path stage = Temporaries.register(Files.createTempDirectory(parent, Temporaries.prefix(dir)));
        try {
            Descriptor d = writeInto(o, stage, tags, parallelism, Files.isDirectory(dir) ? dir : null);
            List<Path[]> moves = new ArrayList<>();
            moves.add(new Path[] {stage, dir});
            Build.commit(moves);
            return d;
        } finally {
            Temporaries.delete(stage);
        }
    }

    /** Writes the source as an OCI archive (a tar of a layout), atomically. */
    public static Descriptor toOciArchive(Opened o, Path file, List<String> tags, int parallelism, long mtime)
            throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory; an OCI archive is a file");
        }
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path stage = Temporaries.register(Files.createTempDirectory(parent, Temporaries.prefix(file)));
        Path tmp = Temporaries.register(Files.createTempFile(parent, Temporaries.prefix(file), ".tmp"));
        try {
            Descriptor d = writeInto(o, stage, tags, parallelism, null);
            Archives.writeOciArchive(stage, tmp, mtime);
            List<Path[]> moves = new ArrayList<>();
            moves.add(new Path[] {tmp, file});
            Build.commit(moves);
            return d;
        } finally {
            Temporaries.delete(stage);
            Temporaries.delete(tmp);
        }
    }

    private static Descriptor writeInto(Opened o, Path dir, List<String> tags, int parallelism, Path reuse)
            throws IOException {
        LayoutWriter w = reuse == null ? new LayoutWriter(dir) : new LayoutWriter(dir).reusing(reuse);
        List<Layer> layers = new ArrayList<>();
        for (Image i : o.images()) {
            layers.addAll(i.layers());
        }
        w.writeLayers(layers, parallelism);
        if (o.top().mediaType().isIndex()) {
            return w.write(o.source().childIndex(o.top()), tags);
        }
        return w.write(o.source().image(o.top()), tags);
    }

    private static boolean isEmptyOrLayout(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("oci-layout"))) {
            return true;
        }
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Pushes the source to a registry reference and tags it; returns what the push did. */
    public static Pusher.Stats toRegistry(Opened o, Reference target, List<String> tags, RegistryClient client,
                                          BlobLocations known, int parallelism, java.util.function.LongConsumer progress)
            throws IOException {
        if (target.digest() != null && !target.digest().equals(o.top().digest())) {
            throw new IOException("the image's digest is " + o.top().digest() + ", not " + target.digest()
                    + " as the target reference says");
        }
        Pusher p = new Pusher(client, known, parallelism, progress);
        p.push(o.source(), o.top(), target, tags);
        return p.stats();
    }
}
