package dev.peel.build;

import dev.peel.cache.Cache;
import dev.peel.debian.Installed;
import dev.peel.debian.Lock;
import dev.peel.debian.Pkg;
import dev.peel.image.ContentSource;
import dev.peel.image.HashingOutputStream;
import dev.peel.image.Image;
import dev.peel.image.ImageIndex;
import dev.peel.image.Layer;
import dev.peel.image.LayerFiles;
import dev.peel.layout.Layout;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import dev.peel.oci.MediaType;
import dev.peel.oci.Platform;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.registry.RegistryException;
import dev.peel.registry.Remote;
import dev.peel.registry.Repository;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.tar.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The image a spec builds on — a registry reference or an OCI layout — opened once for a build or a lock: its
 * platforms (those that map to a Debian arch), each platform's image with its layers exactly as they are, and
 * what its file tree holds that a build on top must know ({@link Contents}). A registry layer is fetched into
 * peel's cache once, verified, and read from there by everything that needs it.
 */
public final class BaseImage implements AutoCloseable {
    /** The annotations a manifest built on a base carries (image-spec annotations.md). */
    public static final String BASE_NAME = "org.opencontainers.image.base.name";
    public static final String BASE_DIGEST = "org.opencontainers.image.base.digest";

    private final Spec.Base spec;
    private final ContentSource source;
    private final Descriptor top;
    private final String name;
    private final Map<String, Descriptor> platforms;
    private final List<String> all;
    private final Cache cache;
    private final java.io.Closeable closer;
    private final Map<String, Image> images = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Contents> contents = new java.util.concurrent.ConcurrentHashMap<>();

    private BaseImage(Spec.Base spec, ContentSource source, Descriptor top, String name, Cache cache, java.io.Closeable closer)
            throws IOException {
        this.spec = spec;
        this.source = source;
        this.top = top;
        this.name = name;
        this.cache = cache;
        this.closer = closer;
        this.platforms = new LinkedHashMap<>();
        this.all = new ArrayList<>();
        if (top.mediaType().isIndex()) {
            ImageIndex idx = source.childIndex(top);
            for (Descriptor d : idx.index().manifests()) {
                if (d.platform() == null || !d.mediaType().isManifest()) {
                    continue;
                }
                all.add(d.platform().toString());
                debianArch(d.platform()).ifPresent(a -> platforms.putIfAbsent(a, d));
            }
        } else if (top.mediaType().isManifest()) {
            Image i = source.image(top);
            Platform p = i.config().platform();
            all.add(p.toString());
            debianArch(p).ifPresent(a -> {
                platforms.put(a, top.withPlatform(p));
                images.put(a, wrap(i));
            });
        } else {
            throw new IOException(spec.written() + " names a " + top.mediaType() + ", which is not an image");
        }
    }

    /**
     * Opens the base a spec names. With {@code locked}, the image is the locked digest, never what a tag names
     * now (a layout must still hold that digest's blobs). A registry failure keeps its kind (the CLI's exit code)
     * and says which spec line named the base.
     */
    public static BaseImage open(Spec.Base base, Lock.LockedBase locked, RegistryClient client, Cache cache)
            throws IOException {
        if (base instanceof Spec.RegistryBase r) {
            Reference ref = r.ref();
            String name = (ref.tag() == null && ref.digest() == null ? ref.withTag("latest") : ref).toString();
            Reference fetch = locked != null ? ref.withDigest(locked.digest()) : ref;
            try {
                CachedRemote remote = new CachedRemote(client.repository(fetch), cache);
                Descriptor top = locked != null
                        ? new Descriptor(new MediaType(locked.mediaType()), locked.digest(), locked.size())
                        : remote.top(fetch);
                return new BaseImage(base, remote, top, name, cache, null);
            } catch (RegistryException e) {
                throw new RegistryException(e.kind(), "base " + fetch + " (" + base.at() + "): " + e.getMessage(), e);
            }
        }
        Spec.LayoutBase l = (Spec.LayoutBase) base;
        Layout layout = Layout.open(l.path());
        try {
            Descriptor top;
            if (locked != null) {
                top = new Descriptor(new MediaType(locked.mediaType()), locked.digest(), locked.size());
            } else {
                Descriptor d = layout.resolve(l.tag());
                top = new Descriptor(d.mediaType(), d.digest(), d.size());
            }
            return new BaseImage(base, layout, top, null, cache, layout);
        } catch (IOException | RuntimeException e) {
            layout.close();
            if (locked != null && e instanceof java.nio.file.NoSuchFileException) {
                throw new IOException("base " + base.written() + " (" + base.at() + "): the lock pins " + locked.digest()
                        + ", which the layout no longer holds; run peel lock to build on what it holds now", e);
            }
            throw new IOException("base " + base.written() + " (" + base.at() + "): " + e.getMessage(), e);
        }
    }

    /**
     * A registry repository read through the cache: manifests, indexes and configs are kept by digest (verified
     * on every read, as all cache entries are), so a build from a lock with a warm cache asks the registry for
     * nothing; layers stay lazy ({@link Remote.RemoteLayer}) and are fetched only when their bytes are needed.
     */
    private static final class CachedRemote implements ContentSource {
        private final Repository repo;
        private final Cache cache;

        CachedRemote(Repository repo, Cache cache) {
            this.repo = repo;
            this.cache = cache;
        }

        /** What a tag or digest names now (always asked: a tag may have moved). */
        Descriptor top(Reference ref) throws RegistryException {
            Repository.Fetched f = repo.manifest(ref.identifier());
            if (cache != null) {
                cache.put("manifests", f.digest().hex(), f.raw());
            }
            return f.descriptor();
        }

        private byte[] manifest(Descriptor d) throws IOException {
            byte[] raw = cache == null ? null : cache.get("manifests", d.digest().hex()).orElse(null);
            if (raw == null) {
                Repository.Fetched f = repo.manifest(d.digest().toString());
                raw = f.raw();
                if (cache != null) {
                    cache.put("manifests", d.digest().hex(), raw);
                }
            }
            if (raw.length != d.size()) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, d.digest() + " in " + repo + " has "
                        + raw.length + " bytes; its descriptor says " + d.size());
            }
            return raw;
        }

        @Override
        public Image image(Descriptor d) throws IOException {
            if (!d.mediaType().isManifest()) {
                throw new IOException(d.digest() + " in " + repo + " is a " + d.mediaType() + ", not an image manifest");
            }
            byte[] raw = manifest(d);
            try {
                dev.peel.oci.Manifest m = dev.peel.oci.Manifest.parse(raw);
                Digest c = m.config().digest();
                byte[] rawConfig = cache == null ? null : cache.get("manifests", c.hex()).orElse(null);
                if (rawConfig == null) {
                    rawConfig = repo.readBlob(c, m.config().size());
                    if (cache != null) {
                        cache.put("manifests", c.hex(), rawConfig);
                    }
                }
                dev.peel.oci.ImageConfig config = dev.peel.oci.ImageConfig.parse(rawConfig);
                if (config.diffIds().size() != m.layers().size()) {
                    throw new RegistryException(RegistryException.Kind.UNTRUSTED, "image " + d.digest() + " of " + repo
                            + ": config has " + config.diffIds().size() + " diff_ids for " + m.layers().size() + " layers");
                }
                List<Layer> layers = new ArrayList<>();
                dev.peel.registry.BlobLocations seen = cache == null ? null
                        : dev.peel.registry.BlobLocations.inCache(cache.root());
                for (int i = 0; i < m.layers().size(); i++) {
                    layers.add(new Remote.RemoteLayer(repo, m.layers().get(i), config.diffIds().get(i)));
                    if (seen != null) {
                        // A push of the built image to this registry can then mount the base's layers.
                        seen.record(repo.registry().host(), repo.name(), m.layers().get(i).digest());
                    }
                }
                return imageOf(raw, m, rawConfig, config, List.copyOf(layers));
            } catch (IllegalArgumentException e) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, "image " + d.digest() + " of " + repo
                        + " is malformed: " + e.getMessage());
            }
        }

        @Override
        public ImageIndex childIndex(Descriptor d) throws IOException {
            if (!d.mediaType().isIndex()) {
                throw new IOException(d.digest() + " in " + repo + " is a " + d.mediaType() + ", not an index");
            }
            byte[] raw = manifest(d);
            dev.peel.oci.Index index;
            try {
                index = dev.peel.oci.Index.parse(raw);
            } catch (IllegalArgumentException e) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, "index " + d.digest() + " of " + repo
                        + " is malformed: " + e.getMessage());
            }
            return new dev.peel.image.ReadIndex(this, raw, index);
        }
    }

    private static Image imageOf(byte[] rawManifest, dev.peel.oci.Manifest m, byte[] rawConfig, dev.peel.oci.ImageConfig config,
                                 List<Layer> layers) {
        return new dev.peel.image.ReadImage(rawManifest, m, rawConfig, config, layers);
    }

    /** The Debian arch an OCI platform builds for; arm64 without a variant is v8, as registries mostly write it. */
    static Optional<String> debianArch(Platform p) {
        for (String a : Platform.debianArchs()) {
            Platform q = Platform.ofDebianArch(a).orElseThrow();
            boolean variant = java.util.Objects.equals(q.variant(), p.variant())
                    || (q.architecture().equals("arm64") && p.variant() == null);
            if (q.os().equals(p.os()) && q.architecture().equals(p.architecture()) && variant) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    public Spec.Base spec() {
        return spec;
    }

    /** What the reference named: an index, or one manifest. */
    public Descriptor top() {
        return top;
    }

    /** {@code org.opencontainers.image.base.name} (the reference fully qualified, with its tag); null for a layout. */
    public String name() {
        return name;
    }

    /** The Debian archs the base has an image for, in its index's order. */
    public List<String> archs() {
        return List.copyOf(platforms.keySet());
    }

    /** An error naming the platforms the base has, when it lacks one of {@code wanted}. */
    public void checkArchs(List<String> wanted) throws SpecException {
        List<String> missing = new ArrayList<>();
        for (String a : wanted) {
            if (!platforms.containsKey(a)) {
                missing.add(a + " (" + Platform.ofDebianArch(a).map(Platform::toString).orElse("?") + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new SpecException(spec.at(), "the base " + spec.written() + " has no image for " + String.join(", ", missing)
                    + "; it has " + (all.isEmpty() ? "no platforms" : String.join(", ", all)),
                    "build for the base's archs (leave archs out to build them all), or choose a base for these");
        }
    }

    /** The archs to build: the wanted ones (each checked to be there), else every arch of the base. */
    public List<String> archsFor(List<String> wanted) throws SpecException {
        if (wanted.isEmpty()) {
            if (platforms.isEmpty()) {
                throw new SpecException(spec.at(), "the base " + spec.written() + " has no image for a platform peel"
                        + " builds (it has " + String.join(", ", all) + ")", "peel builds for Linux platforms of Debian archs");
            }
            return archs();
        }
        checkArchs(wanted);
        return wanted;
    }

    /** The lock's record of this base for {@code archs}. */
    public Lock.LockedBase locked(List<String> archs) {
        Map<String, Digest> ps = new TreeMap<>();
        for (String a : archs) {
            ps.put(a, platforms.get(a).digest());
        }
        return new Lock.LockedBase(spec.written(), name, top.digest(), top.mediaType().value(), top.size(), ps);
    }

    /** The base's annotations for a manifest built on it: its name (registry bases) and what it resolved to. */
    public Map<String, String> annotations() {
        Map<String, String> m = new TreeMap<>();
        if (name != null) {
            m.put(BASE_NAME, name);
        }
        m.put(BASE_DIGEST, top.digest().toString());
        return m;
    }

    /** The base's image for a Debian arch; its layers are the base's, byte for byte, with their descriptors. */
    public Image image(String arch) throws IOException {
        Image i = images.get(arch);
        if (i != null) {
            return i;
        }
        Descriptor d = platforms.get(arch);
        if (d == null) {
            throw new IOException("the base " + spec.written() + " has no image for " + arch);
        }
        Image read = wrap(source.image(d));
        images.put(arch, read);
        return read;
    }

    private Image wrap(Image i) {
        List<Layer> layers = new ArrayList<>();
        for (int n = 0; n < i.layers().size(); n++) {
            Layer l = i.layers().get(n);
            // A layout's blobs are local already; a registry's are fetched into the cache once.
            layers.add(new BaseLayer(l, i.manifest().layers().get(n), closer == null ? cache : null));
        }
        return imageOf(i.rawManifest(), i.manifest(), i.rawConfig(), i.config(), List.copyOf(layers));
    }

    /**
     * A base layer: the base manifest's own descriptor (media type, size, annotations kept), its bytes from the
     * cache when {@code cache} is given (fetched there once, verified), else from where the base lies.
     */
    record BaseLayer(Layer origin, Descriptor descriptor, Cache cache) implements Layer {
        @Override
        public Digest digest() {
            return descriptor.digest();
        }

        @Override
        public Digest diffId() {
            return origin.diffId();
        }

        @Override
        public long size() {
            return descriptor.size();
        }

        @Override
        public MediaType mediaType() {
            return descriptor.mediaType();
        }

        @Override
        public InputStream open() throws IOException {
            if (cache == null) {
                return origin.open();
            }
            Optional<Path> hit = cache.file("blobs", digest().hex());
            if (hit.isPresent()) {
                return Files.newInputStream(hit.get());
            }
            Path dir = cache.dir("blobs");
            Path tmp = Files.createTempFile(dir, ".base-", ".tmp");
            try {
                HashingOutputStream h;
                try (InputStream in = origin.open(); OutputStream out = Files.newOutputStream(tmp)) {
                    h = new HashingOutputStream(out);
                    in.transferTo(h);
                }
                if (h.count() != size() || !h.digest().equals(digest())) {
                    throw new IOException("base layer " + digest() + " does not match its descriptor (" + h.count()
                            + " bytes read, " + size() + " expected)");
                }
                return Files.newInputStream(cache.putFile("blobs", digest().hex(), tmp));
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** What a base's file tree holds for a build on top of it. */
    public Contents contents(String arch) throws IOException {
        Contents c = contents.get(arch);
        if (c == null) {
            c = Contents.of(image(arch), cache);
            contents.put(arch, c);
        }
        return c;
    }

    /**
     * What a build on top of an image must know of its merged file tree (whiteouts applied): the dpkg database
     * files, /etc/passwd and /etc/group, every symlink (path → target) and every directory's mode and owner.
     * Derived once per image (by manifest digest) and kept in the cache.
     *
     * @param dpkg database file path → content: /var/lib/dpkg/status, then status.d's files by name
     */
    public record Contents(Map<String, byte[]> dpkg, String passwd, String group, Map<String, String> symlinks,
                           Map<String, Dir> dirs) {
        static final String FORMAT = "peel base contents 1";
        static final String STATUS = "var/lib/dpkg/status";
        static final String STATUS_D = "var/lib/dpkg/status.d/";

        /** A directory's mode (permission bits) and owner. */
        public record Dir(int mode, long uid, long gid) {
        }

        /** The packages installed for {@code arch}, by name. */
        public Map<String, Pkg> installed(String arch) {
            return Installed.of(dpkg, arch);
        }

        /** Top-level symlinks ({@code bin → usr/bin}): the merged-/usr aliases a package must follow. */
        public Map<String, String> topLevelSymlinks() {
            Map<String, String> m = new TreeMap<>();
            symlinks.forEach((p, t) -> {
                if (!p.contains("/")) {
                    m.put(p, t);
                }
            });
            return m;
        }

        /** The nearest proper ancestor of {@code path} that is a symlink in the base, or null. */
        public String symlinkAbove(String path) {
            int slash = path.indexOf('/');
            while (slash > 0) {
                String prefix = path.substring(0, slash);
                if (symlinks.containsKey(prefix)) {
                    return prefix;
                }
                slash = path.indexOf('/', slash + 1);
            }
            return null;
        }

        static Contents of(Image image, Cache cache) throws IOException {
            String key = Digest.of((FORMAT + "\n" + image.digest()).getBytes(StandardCharsets.UTF_8)).hex();
            if (cache != null) {
                Optional<byte[]> hit = cache.getDerived("base-contents", key);
                if (hit.isPresent()) {
                    try {
                        return parse(hit.get());
                    } catch (IllegalArgumentException e) {
                        // A damaged entry is read again from the layers.
                    }
                }
            }
            Contents c = read(image.layers());
            if (cache != null) {
                cache.putDerived("base-contents", key, c.toJson());
            }
            return c;
        }

        /** Applies the layers in order, keeping the last content of each file of interest that is still there. */
        static Contents read(List<Layer> layers) throws IOException {
            TreeMap<String, TarReader.Header> tree = new TreeMap<>();
            Map<String, byte[]> files = new TreeMap<>();
            for (Layer l : layers) {
                LayerFiles.apply(l, tree, true, (h, r) -> {
                    String p = h.path();
                    if (interesting(p)) {
                        if (h.isRegular() && h.size() <= 64L * 1024 * 1024) {
                            files.put(p, r.data().readAllBytes());
                        } else {
                            files.remove(p);
                        }
                    }
                });
                files.keySet().removeIf(p -> !tree.containsKey(p));
            }
            Map<String, byte[]> dpkg = new LinkedHashMap<>();
            if (files.containsKey(STATUS)) {
                dpkg.put(STATUS, files.get(STATUS));
            }
            files.forEach((p, b) -> {
                if (p.startsWith(STATUS_D)) {
                    dpkg.put(p, b);
                }
            });
            Map<String, String> links = new TreeMap<>();
            Map<String, Dir> dirs = new TreeMap<>();
            tree.forEach((p, h) -> {
                if (h.type() == '2') {
                    links.put(p, h.linkName());
                } else if (h.isDirectory()) {
                    dirs.put(p, new Dir(h.mode() & 07777, h.uid(), h.gid()));
                }
            });
            return new Contents(dpkg, text(files.get("etc/passwd")), text(files.get("etc/group")), links, dirs);
        }

        private static boolean interesting(String p) {
            if (p.equals("etc/passwd") || p.equals("etc/group") || p.equals(STATUS)) {
                return true;
            }
            if (!p.startsWith(STATUS_D) || p.indexOf('/', STATUS_D.length()) >= 0) {
                return false;
            }
            String n = p.substring(STATUS_D.length());
            // status.d holds one control stanza per package; md5sums and listings beside them are not stanzas.
            return !n.isEmpty() && !n.endsWith(".md5sums") && !n.endsWith(".list") && !n.startsWith(".");
        }

        private static String text(byte[] b) {
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        byte[] toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("format", FORMAT);
            List<Object> db = new ArrayList<>();
            dpkg.forEach((p, b) -> db.add(List.of(p, new String(b, StandardCharsets.UTF_8))));
            m.put("dpkg", db);
            m.put("passwd", passwd);
            m.put("group", group);
            m.put("symlinks", symlinks);
            Map<String, Object> ds = new TreeMap<>();
            dirs.forEach((p, d) -> ds.put(p, Integer.toOctalString(d.mode()) + " " + d.uid() + " " + d.gid()));
            m.put("dirs", ds);
            return Json.write(m);
        }

        static Contents parse(byte[] json) {
            Map<String, Object> m = Json.parseObject(json);
            if (!FORMAT.equals(Json.str(m, "format"))) {
                throw new IllegalArgumentException("not " + FORMAT);
            }
            Map<String, byte[]> dpkg = new LinkedHashMap<>();
            for (Object o : Json.arr(m, "dpkg")) {
                List<?> pair = (List<?>) o;
                dpkg.put((String) pair.get(0), ((String) pair.get(1)).getBytes(StandardCharsets.UTF_8));
            }
            Map<String, Dir> dirs = new TreeMap<>();
            Json.strings(m, "dirs").forEach((p, v) -> {
                String[] f = v.split(" ");
                dirs.put(p, new Dir(Integer.parseInt(f[0], 8), Long.parseLong(f[1]), Long.parseLong(f[2])));
            });
            return new Contents(dpkg, Json.str(m, "passwd"), Json.str(m, "group"), Json.strings(m, "symlinks"), dirs);
        }
    }

    @Override
    public void close() throws IOException {
        if (closer != null) {
            closer.close();
        }
    }
}
