package dev.peel.build;

import dev.peel.cache.Cache;
import dev.peel.debian.Fetcher;
import dev.peel.debian.Lock;
import dev.peel.debian.Relation;
import dev.peel.debian.RepositoryException;
import dev.peel.debian.Resolver;
import dev.peel.debian.Sources;
import dev.peel.debian.Universe;
import dev.peel.image.BlobLayer;
import dev.peel.image.LayerWriter;
import dev.peel.install.Downloads;
import dev.peel.java.Jlink;
import dev.peel.oci.Digest;
import dev.peel.oci.MediaType;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.tar.Compression;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarReader;
import dev.peel.tar.TarWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;

/**
 * The linked runtime of each arch for {@code java.runtime: jlink}: Debian's openjdk-NN-jdk-headless of the arch is
 * resolved from the spec's sources (the same signed chain as every package), fetched into the .deb cache and
 * verified, its jmods extracted aside, and the application's modules linked from them. The trees live in a temp
 * folder until {@link #close}; the layers read them when the images are written.
 */
final class JlinkRuntimes implements AutoCloseable {
    /** One arch's runtime: the JDK it came from, its modules, and its layer (the tree under {@link Jlink#HOME}). */
    record Runtime(String arch, Lock.LockedPackage jdk, List<String> modules, BlobLayer layer) {
    }

    private final Path temp;
    private final Map<String, Runtime> byArch = new LinkedHashMap<>();

    private JlinkRuntimes(Path temp) {
        this.temp = temp;
    }

    Runtime of(String arch) {
        return byArch.get(arch);
    }

    /** The tools, when the runtime can be linked at all (a Debian section, a jlink of the JDK's version): before any work. */
    static Jlink check(Spec spec, Map<String, String> env) throws SpecException {
        Spec.JavaRuntime rt = spec.java().runtime();
        if (spec.debian() == null) {
            throw new SpecException(rt.at(), "java.runtime: jlink takes the JDK's jmods from Debian, and the spec has no"
                    + " debian section to read them from",
                    "use a Debian base such as base: java-base, or add debian: {suite: bookworm}");
        }
        return Jlink.of(rt, spec.debian().suite(), env);
    }

    /** Links the runtime for every arch; errors about the spec point at java.runtime. */
    static JlinkRuntimes link(Spec spec, List<String> archs, Lock lock, BuildOptions.Host host, long mtime,
                              Compression compression, int level, Progress progress)
            throws SpecException, RepositoryException, IOException {
        Spec.JavaRuntime rt = spec.java().runtime();
        Jlink jlink = check(spec, host.env());
        progress.phase("java runtime: finding the modules the application needs (jdeps)");
        List<String> modules = jlink.modules(spec.java());
        String toolVersion = jlink.toolVersion();
        JlinkRuntimes out = new JlinkRuntimes(Temporaries.register(Files.createTempDirectory("peel-jlink-")));
        try {
            Sources sources = null;
            try (Downloads downloads = new Downloads(host.cache(), n -> { })) {
                for (String arch : archs) {
                    Lock.LockedPackage jdk = lock == null ? null : lock.jdk().get(arch);
                    if (jdk == null) {
                        // A spec that installs no packages has no lock to pin the JDK: resolved now, as packages are.
                        if (sources == null) {
                            sources = new Sources(Resolution.sources(spec.debian(), host.env(), host.etcApt()), new Fetcher(),
                                    host.warnings(), host.cache());
                        }
                        jdk = resolve(sources.universe(arch, host.now()), jlink.jdkPackage(), rt, arch);
                    }
                    String treeKey = key("jlink-runtime-1", jdk.sha256(), String.join(",", modules),
                            String.join(" ", jlink.options()), toolVersion);
                    // cacheKey holds the gzip encoder's version: a layer another encoder wrote is not reused.
                    String layerKey = key("jlink-layer-1", treeKey, Long.toString(mtime), compression.cacheKey(level));
                    BlobLayer cached = cachedLayer(host.cache(), layerKey);
                    if (cached != null) {
                        out.byArch.put(arch, new Runtime(arch, jdk, modules, cached));
                        continue;
                    }
                    progress.phase("java runtime: fetching " + jdk.name() + " " + jdk.version() + " for " + arch);
                    Path deb;
                    try {
                        deb = downloads.fetch(jdk).join();
                    } catch (CompletionException e) {
                        if (e.getCause() instanceof RepositoryException re) {
                            throw re;
                        }
                        throw new IOException(String.valueOf(e.getCause().getMessage()), e.getCause());
                    }
                    progress.phase("java runtime: jlink " + String.join(",", modules) + " for " + arch);
                    Path dir = out.temp.resolve(arch);
                    linkCached(jlink, deb, jdk, modules, treeKey, host.cache(), dir, out.temp.resolve(arch + "-jmods"));
                    List<TarEntry> entries = Jlink.entries(dir, mtime);
                    progress.phase("layer: java runtime for " + arch + " (" + entries.size() + " entries)");
                    progress.total(entries.stream().mapToLong(e -> e.size() + 512).sum());
                    BlobLayer layer = new LayerWriter(compression, level).write(entries, host.cache().dir("blobs"),
                            progress::advanced);
                    host.cache().putDerived("jlink-layer", layerKey, (layer.digest() + " " + layer.diffId() + " " + layer.size()
                            + " " + layer.mediaType().value()).getBytes(StandardCharsets.US_ASCII));
                    out.byArch.put(arch, new Runtime(arch, jdk, modules, layer));
                }
            }
            return out;
        } catch (SpecException | RepositoryException | IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** The JDK package of the arch, resolved alone (its dependencies are never installed) from the arch's packages. */
    private static Lock.LockedPackage resolve(Universe u, String jdkPackage, Spec.JavaRuntime rt, String arch)
            throws SpecException {
        try {
            Resolver.Result r = new Resolver(u, false, java.util.Set.of()).resolve(List.of(Relation.parse(jdkPackage)));
            return Lock.locked(r.packages().values().stream().filter(p -> p.name().equals(jdkPackage)).findFirst().orElseThrow());
        } catch (Resolver.ResolveException e) {
            throw new SpecException(rt.at(), "java.runtime: jlink needs " + jdkPackage + " for " + arch
                    + ", and the spec's sources do not have it: " + e.getMessage(),
                    "choose the JDK with java.version (bookworm has 17, trixie 21)");
        }
    }

    /** The JDK package name a spec with java.runtime: jlink links from, or null for none. */
    static String jdkPackage(Spec spec) throws SpecException {
        if (spec.java() == null || !spec.java().runtime().jlink() || spec.debian() == null) {
            return null;
        }
        return Jlink.jdkPackage(Jlink.version(spec.java().runtime(), spec.debian().suite()));
    }

    /** The lock with each arch's JDK pinned when the spec links a runtime (from the universes it was resolved in). */
    static Lock pinned(Spec spec, Lock lock, Map<String, Universe> universes) throws SpecException {
        String jdk = jdkPackage(spec);
        if (jdk == null) {
            return lock;
        }
        Map<String, Lock.LockedPackage> pins = new java.util.TreeMap<>();
        for (Map.Entry<String, Universe> e : universes.entrySet()) {
            if (lock.archs().containsKey(e.getKey())) {
                pins.put(e.getKey(), resolve(e.getValue(), jdk, spec.java().runtime(), e.getKey()));
            }
        }
        return lock.withJdk(pins);
    }

    /** Why a lock does not pin the JDK the spec links (or pins one it no longer does), or null. */
    static String staleness(Spec spec, Lock lock, List<String> archs) {
        String jdk;
        try {
            jdk = jdkPackage(spec);
        } catch (SpecException e) {
            return null; // the build says what is wrong, at the runtime line
        }
        if (jdk == null) {
            return lock.jdk().isEmpty() ? null : "the spec no longer links a Java runtime (java.runtime: jlink)";
        }
        if (!Resolution.hasPackages(spec)) {
            return null; // its lock pins at most a base; the JDK is resolved at each build
        }
        for (String arch : archs.isEmpty() ? lock.archs().keySet() : archs) {
            Lock.LockedPackage p = lock.jdk().get(arch);
            if (p == null || !p.name().equals(jdk)) {
                return "it pins no " + jdk + " for " + arch + ", whose jmods java.runtime: jlink links";
            }
        }
        return null;
    }

    private static String key(String... parts) {
        return HexFormat.of().formatHex(Digest.sha256().digest(String.join("\n", parts)
                .getBytes(StandardCharsets.UTF_8)));
    }

    /** The runtime's layer cached under {@code key} when its record and its blob (re-hashed) are intact, else null. */
    private static BlobLayer cachedLayer(Cache cache, String key) {
        String[] f = cache.getDerived("jlink-layer", key).map(b -> new String(b, StandardCharsets.US_ASCII).split(" "))
                .orElse(new String[0]);
        if (f.length != 4) {
            return null;
        }
        try {
            Digest digest = Digest.parse(f[0]);
            return cache.file("blobs", digest.hex()).map(p -> new BlobLayer(p, digest, Digest.parse(f[1]), Long.parseLong(f[2]),
                    new MediaType(f[3]))).orElse(null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Links into {@code dir}. Two links of the same jmods, modules, options and jlink give the same bytes, so the tree
     * is kept in the cache under the hash of those (uncompressed tar, verified when read back) and a warm build only
     * unpacks it.
     */
    private static void linkCached(Jlink jlink, Path deb, Lock.LockedPackage jdk, List<String> modules, String key,
                                   Cache cache, Path dir, Path jmods) throws SpecException, IOException {
        String tree = cache.getDerived("jlink-key", key).map(b -> new String(b, StandardCharsets.US_ASCII)).orElse(null);
        if (tree != null) {
            Path tar = cache.file("jlink", tree).orElse(null);
            if (tar != null) {
                unpack(tar, dir);
                return;
            }
        }
        TreeSet<String> available = Jlink.extractJmods(deb, jdk.name() + " " + jdk.version() + " (" + jdk.arch() + ")", jmods);
        jlink.link(jmods, available, modules, dir);
        dev.peel.io.Trees.deleteQuietly(jmods);
        Path tmp = Files.createTempFile(cache.dir("jlink"), ".tree", ".tmp");
        try {
            String hex = pack(dir, tmp);
            cache.putFile("jlink", hex, tmp);
            cache.putDerived("jlink-key", key, hex.getBytes(StandardCharsets.US_ASCII));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The tree as an uncompressed tar (relative paths, modes as the layer has them); returns its sha256. */
    private static String pack(Path dir, Path tar) throws IOException {
        java.security.MessageDigest md = Digest.sha256();
        try (java.io.OutputStream o = new java.security.DigestOutputStream(
                new java.io.BufferedOutputStream(Files.newOutputStream(tar)), md); TarWriter w = new TarWriter(o)) {
            for (TarEntry e : Jlink.entries(dir, "", 0)) {
                w.write(e);
            }
            w.finish();
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** What {@link #pack} wrote, back into {@code dir}: folders, files (executable when the mode says) and symlinks. */
    private static void unpack(Path tar, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(tar)); TarReader r = new TarReader(in)) {
            for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                String path = dev.peel.tar.TarPaths.normalize(h.path());
                if (path == null || path.isEmpty()) {
                    throw new IOException(tar + ": entry " + h.name() + " escapes the tree");
                }
                Path p = dir.resolve(path);
                Files.createDirectories(p.getParent());
                if (h.isDirectory()) {
                    Files.createDirectories(p);
                } else if (h.type() == '2') {
                    Files.createSymbolicLink(p, Path.of(h.linkName()));
                } else if (h.isRegular()) {
                    Files.copy(r.data(), p);
                    if ((h.mode() & 0100) != 0) {
                        p.toFile().setExecutable(true, false);
                    }
                } else {
                    throw new IOException(tar + ": unexpected entry type " + h.type() + " for " + h.name());
                }
            }
        }
    }

    @Override
    public void close() {
        Temporaries.delete(temp);
    }
}
