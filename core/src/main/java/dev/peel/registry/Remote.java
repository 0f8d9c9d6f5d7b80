package dev.peel.registry;

import dev.peel.image.ContentSource;
import dev.peel.image.Image;
import dev.peel.image.ImageIndex;
import dev.peel.image.Layer;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Index;
import dev.peel.oci.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A registry repository as a {@link ContentSource}: manifests and configs are fetched when asked for and checked
 * against their descriptors; layers are read lazily, so inspecting an image fetches no layer.
 */
public final class Remote implements ContentSource {
    private final Repository repo;
    private final java.util.Map<Digest, Repository.Fetched> fetched = new java.util.concurrent.ConcurrentHashMap<>();

    public Remote(Repository repo) {
        this.repo = repo;
    }

    public Repository repository() {
        return repo;
    }

    /** The descriptor a reference points at (its digest when it has one, else its tag), fetched and verified. */
    public Repository.Fetched top(Reference ref) throws RegistryException {
        Repository.Fetched f = repo.manifest(ref.identifier());
        fetched.put(f.digest(), f);
        return f;
    }

    private Repository.Fetched fetch(Descriptor d) throws RegistryException {
        Repository.Fetched f = fetched.get(d.digest());
        if (f == null) {
            f = repo.manifest(d.digest().toString());
            fetched.put(f.digest(), f);
        }
        return f;
    }

    private final java.util.Map<Digest, Image> images = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Image image(Descriptor d) throws IOException {
        Image known = images.get(d.digest());
        if (known != null) {
            return known;
        }
        Repository.Fetched f = fetch(d);
        check(d, f);
        Image i = image(f);
        // Walking a tree twice (gather, then write) must not fetch manifests and configs twice.
        images.put(d.digest(), i);
        return i;
    }

    /** The image of a fetched manifest. */
    public Image image(Repository.Fetched f) throws IOException {
        if (!f.mediaType().isManifest()) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, f.digest() + " in " + repo + " is a "
                    + f.mediaType() + ", not an image manifest");
        }
        Manifest m;
        try {
            m = Manifest.parse(f.raw());
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, "manifest " + f.digest() + " of " + repo
                    + " is malformed: " + e.getMessage());
        }
        byte[] rawConfig = repo.readBlob(m.config().digest(), m.config().size());
        ImageConfig config;
        try {
            config = ImageConfig.parse(rawConfig);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, "config " + m.config().digest() + " of "
                    + repo + " is malformed: " + e.getMessage());
        }
        if (config.diffIds().size() != m.layers().size()) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, "image " + f.digest() + " of " + repo
                    + ": config has " + config.diffIds().size() + " diff_ids for " + m.layers().size() + " layers");
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < m.layers().size(); i++) {
            layers.add(new RemoteLayer(repo, m.layers().get(i), config.diffIds().get(i)));
        }
        return new dev.peel.image.ReadImage(f.raw(), m, rawConfig, config, layers);
    }

    @Override
    public ImageIndex childIndex(Descriptor d) throws IOException {
        Repository.Fetched f = fetch(d);
        check(d, f);
        return index(f);
    }

    /** The index of a fetched index manifest. */
    public ImageIndex index(Repository.Fetched f) throws IOException {
        if (!f.mediaType().isIndex()) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, f.digest() + " in " + repo + " is a "
                    + f.mediaType() + ", not an index");
        }
        try {
            return new dev.peel.image.ReadIndex(this, f.raw(), Index.parse(f.raw()));
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, "index " + f.digest() + " of " + repo
                    + " is malformed: " + e.getMessage());
        }
    }

    private void check(Descriptor d, Repository.Fetched f) throws RegistryException {
        if (f.raw().length != d.size()) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, d.digest() + " in " + repo + " has "
                    + f.raw().length + " bytes; its descriptor says " + d.size());
        }
    }

    /** A layer that lives in a registry repository; a push to the same registry can mount it from there. */
    public record RemoteLayer(Repository repository, Descriptor d, Digest diffId) implements Layer.Described {
        @Override
        public Descriptor described() {
            return d;
        }

        @Override
        public InputStream open() throws IOException {
            return repository.openBlob(d.digest(), d.size());
        }

        @Override
        public boolean verifiesOnRead() {
            return true;
        }
    }
}
