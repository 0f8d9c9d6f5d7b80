package dev.peel.install;

import dev.peel.build.Progress;
import dev.peel.cache.Cache;
import dev.peel.debian.DebArchive;
import dev.peel.debian.Lock;
import dev.peel.debian.Relation;
import dev.peel.debian.RepositoryException;
import dev.peel.debian.Version;
import dev.peel.image.BlobLayer;
import dev.peel.image.LayerWriter;
import dev.peel.oci.Digest;
import dev.peel.tar.Compression;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns a lock's packages into layers, for every arch at once: each package fetched (if its layer is not
 * cached) and unpacked into its own layer on a bounded pool, {@code Architecture: all} layers built once
 * and shared between archs; then, per arch, overlaps checked (different content at one path is an error
 * unless one package Replaces the other, which then lies above it) and, with a layering budget, packages
 * grouped by source into at most that many layers.
 */
public final class Installer implements AutoCloseable {
    /** How layers are made: entry mtimes clamped to {@code epoch}; {@code budget} null for a layer per package. */
    public record Options(long epoch, Compression compression, int level, Integer budget, PathFilter filter,
                          dev.peel.spec.Spec.Generate generate) {
        public Options(long epoch, Compression compression, int level, Integer budget) {
            this(epoch, compression, level, budget, PathFilter.ALL, dev.peel.spec.Spec.Generate.NONE);
        }
    }

    /** One layer of an arch's image, with what its history says. */
    public record InstalledLayer(BlobLayer layer, String comment, List<String> packages) {
    }

    /** An arch's package layers in order, bottom first, and its merged-/usr aliases. */
    public record ArchLayers(String arch, List<InstalledLayer> layers, MergedUsr usr) {
    }

    /**
     * The image an arch's packages go on: its top-level symlinks (name → target), whose merged-/usr aliases the
     * packages follow, and its layers, whose libraries a generated ld.so.cache lists too; {@code id} (its manifest
     * digest) tells cached generated layers apart.
     */
    public record Base(Map<String, String> links, List<dev.peel.image.Layer> layers, String id) {
    }

    /** A package set that cannot be installed as locked (overlapping files, a broken .deb). */
    public static final class InstallException extends Exception {
        public InstallException(String message) {
            super(message);
        }
    }

    private final Cache cache;
    private final Options options;
    private final Progress progress;
    private final Downloads downloads;
    private final ExecutorService builders;
    private final ConcurrentHashMap<String, CompletableFuture<PackageLayer>> layers = new ConcurrentHashMap<>();
    private final AtomicInteger done = new AtomicInteger();
    private int total;

    public Installer(Cache cache, Options options, Progress progress) {
        this.cache = cache;
        this.options = options;
        this.progress = progress;
        this.downloads = new Downloads(cache, progress::advanced);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        this.builders = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "peel-unpack");
            t.setDaemon(true);
            return t;
        });
    }

    /** Every arch's layers, built (or found in the cache) in parallel. */
    public Map<String, ArchLayers> install(Lock lock, List<String> archs)
            throws RepositoryException, InstallException, IOException {
        return install(lock, archs, Map.<String, Base>of());
    }

    /**
     * As {@link #install(Lock, List)}, on a base image per arch (absent: none): where the base has
     * {@code bin → usr/bin} (merged /usr), packages follow it as they follow base-files' links.
     */
    public Map<String, ArchLayers> install(Lock lock, List<String> archs, Map<String, Base> bases)
            throws RepositoryException, InstallException, IOException {
        Map<String, List<Lock.LockedPackage>> sets = new LinkedHashMap<>();
        for (String arch : archs) {
            List<Lock.LockedPackage> ps = lock.archs().get(arch);
            if (ps == null) {
                throw new InstallException("the lock has no packages for " + arch + "; run peel lock");
            }
            sets.put(arch, ps);
        }
        boolean aliasesKnown = sets.values().stream().flatMap(List::stream).filter(p -> p.name().equals("base-files"))
                .allMatch(p -> cache.getDerived("usr-aliases", p.sha256()).isPresent());
        if (!aliasesKnown) {
            // A cold cache: every .deb will be needed, so fetch them while base-files is read for its aliases.
            sets.values().stream().flatMap(List::stream).sorted(Comparator.comparingLong(Lock.LockedPackage::size).reversed())
                    .forEach(downloads::fetch);
        }
        Map<String, MergedUsr> usr = new LinkedHashMap<>();
        for (String arch : archs) {
            Base b = bases.get(arch);
            Map<String, String> links = new TreeMap<>(b == null ? Map.of() : b.links());
            links.putAll(links(sets.get(arch)));
            usr.put(arch, MergedUsr.of(links));
        }
        Map<String, PackageLayer> hits = new HashMap<>();
        Map<String, Lock.LockedPackage> misses = new LinkedHashMap<>();
        for (String arch : archs) {
            for (Lock.LockedPackage p : sets.get(arch)) {
                String key = PackageLayer.key(p.sha256(), usr.get(arch), options.filter(), options.epoch(), options.compression(), options.level());
                if (!hits.containsKey(key) && !misses.containsKey(key)) {
                    PackageLayer hit = PackageLayer.cached(cache, key);
                    if (hit != null) {
                        hits.put(key, hit);
                    } else {
                        misses.put(key, p);
                    }
                }
            }
        }
        total = hits.size() + misses.size();
        done.set(hits.size());
        long bytes = misses.values().stream().filter(p -> !downloads.present(p)).mapToLong(p -> Math.max(0, p.size())).sum();
        progress.phase("installing " + total + " packages for " + String.join(", ", archs)
                + (misses.isEmpty() ? " (all cached)" : ", unpacking " + misses.size()));
        progress.total(bytes);
        // The biggest packages start first, so that no large one is left running alone at the end.
        List<String[]> order = new ArrayList<>();
        for (String arch : archs) {
            for (Lock.LockedPackage p : sets.get(arch)) {
                order.add(new String[] {arch, p.name()});
            }
        }
        Map<String, Lock.LockedPackage> byArchName = new HashMap<>();
        sets.forEach((arch, ps) -> ps.forEach(p -> byArchName.put(arch + " " + p.name(), p)));
        order.sort(Comparator.comparingLong((String[] a) -> -byArchName.get(a[0] + " " + a[1]).size()));
        Map<String, CompletableFuture<PackageLayer>> started = new HashMap<>();
        for (String[] a : order) {
            Lock.LockedPackage p = byArchName.get(a[0] + " " + a[1]);
            String key = PackageLayer.key(p.sha256(), usr.get(a[0]), options.filter(), options.epoch(), options.compression(), options.level());
            PackageLayer hit = hits.get(key);
            started.put(a[0] + " " + a[1], hit != null ? CompletableFuture.completedFuture(hit) : layer(p, key, usr.get(a[0])));
        }
        Map<String, List<CompletableFuture<PackageLayer>>> futures = new LinkedHashMap<>();
        for (String arch : archs) {
            futures.put(arch, sets.get(arch).stream().map(p -> started.get(arch + " " + p.name())).toList());
        }
        Map<String, ArchLayers> out = new LinkedHashMap<>();
        for (String arch : archs) {
            List<PackageLayer> built = new ArrayList<>();
            for (CompletableFuture<PackageLayer> f : futures.get(arch)) {
                built.add(join(f));
            }
            List<PackageLayer> ordered = order(built, arch);
            List<InstalledLayer> ls = new ArrayList<>(options.budget() == null ? single(ordered) : grouped(ordered, options.budget()));
            if (options.generate().any()) {
                ls.add(generated(sets.get(arch), ordered, usr.get(arch), arch, bases.get(arch)));
            }
            out.put(arch, new ArchLayers(arch, List.copyOf(ls), usr.get(arch)));
        }
        return out;
    }

    private CompletableFuture<PackageLayer> layer(Lock.LockedPackage p, String key, MergedUsr usr) {
        return layers.computeIfAbsent(key, k -> downloads.fetch(p).thenApplyAsync(deb -> {
                try {
                    PackageLayer l = PackageLayer.build(cache, deb, p, usr, options.filter(), options.epoch(),
                            options.compression(), options.level(), n -> { });
                    done();
                    return l;
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, builders));
    }

    /** The layer of files made from the packages (CA bundle, os-release), from the cache or made now. */
    private InstalledLayer generated(List<Lock.LockedPackage> set, List<PackageLayer> layers, MergedUsr usr, String arch,
                                     Base base)
            throws RepositoryException, IOException, InstallException {
        dev.peel.spec.Spec.Generate g = options.generate();
        Map<String, Lock.LockedPackage> from = new TreeMap<>();
        if (g.alternatives() || g.ldCache()) {
            // Alternatives may come from any package's postinst, the cache from any library: the layer depends on all.
            set.forEach(p -> from.put(p.name(), p));
        }
        for (String name : Generated.sources(g)) {
            Lock.LockedPackage p = set.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() -> new InstallException(
                    "generate " + (name.equals("base-files") ? "os-release" : "ca-bundle") + " reads the package " + name
                            + ", which is not in the package set for " + arch + "; add it to debian.packages"));
            from.put(name, p);
        }
        List<String> needed = Generated.sources(g);
        String key = Generated.key(g, from, usr, options.filter(), options.epoch(), options.compression(), options.level());
        if (base != null && g.ldCache()) {
            // The cache lists the base's libraries too: another base is another layer.
            key = Digest.of((key + "\non " + base.id()).getBytes(StandardCharsets.UTF_8)).hex();
        }
        BlobLayer layer = Generated.cached(cache, key);
        if (layer == null) {
            Map<String, Path> debs = new TreeMap<>();
            Map<String, String> scripts = new TreeMap<>();
            for (Map.Entry<String, Lock.LockedPackage> e : from.entrySet()) {
                Path deb = join(downloads.fetch(e.getValue()));
                debs.put(e.getKey(), deb);
                if (g.alternatives()) {
                    byte[] postinst = DebArchive.open(deb, e.getKey() + " " + e.getValue().version()).control().get("postinst");
                    if (postinst != null) {
                        scripts.put(e.getKey(), new String(postinst, java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
            java.util.Set<String> paths = new java.util.HashSet<>();
            layers.forEach(l -> l.entries().forEach(e -> paths.add(e.path())));
            byte[] ldCache = g.ldCache() ? ldCache(layers, arch, base) : null;
            layer = Generated.build(cache, key, g, from, debs, scripts, paths, ldCache, usr, options.filter(), options.epoch(),
                    options.compression(), options.level());
        }
        List<String> what = new ArrayList<>();
        if (g.caBundle()) {
            what.add("/" + Generated.CA_BUNDLE + " (ca-certificates)");
        }
        if (g.javaCacerts()) {
            what.add("/" + Generated.JAVA_CACERTS + " (ca-certificates)");
        }
        if (g.alternatives()) {
            what.add("update-alternatives links");
        }
        if (g.ldCache()) {
            what.add("/" + Generated.LD_CACHE);
        }
        if (g.osReleasePrettyName() != null) {
            what.add("/" + Generated.OS_RELEASE + " (base-files)");
        }
        return new InstalledLayer(layer, "generated " + String.join(", ", what), List.copyOf(needed));
    }

    /**
     * The ld.so.cache of an arch's package layers (on the base's, which it replaces in the image): their merged
     * tree, libraries' ELF headers read.
     */
    private static byte[] ldCache(List<PackageLayer> layers, String arch, Base base) throws IOException, InstallException {
        Multiarch m = Multiarch.of(arch);
        if (m == null) {
            throw new InstallException("generate ld-cache does not know the ELF machine of " + arch);
        }
        List<dev.peel.image.Layer> all = new ArrayList<>(base == null ? List.of() : base.layers());
        layers.forEach(l -> all.add(l.layer()));
        dev.peel.check.ElfTree tree = dev.peel.check.ElfTree.read(all, p -> LdCache.isDso(p.substring(p.lastIndexOf('/') + 1)));
        List<LdCache.Entry> entries = LdCache.entries(tree, m.triplet(), m.elfClass(), m.machine());
        return LdCache.bytes(entries, m.bigEndian());
    }

    private void done() {
        progress.detail(done.incrementAndGet() + "/" + Math.max(total, done.get()) + " packages");
    }

    /** The top-level symlinks of this set's base-files, whose merged-/usr aliases apply (none without base-files). */
    private Map<String, String> links(List<Lock.LockedPackage> set) throws RepositoryException, IOException, InstallException {
        Lock.LockedPackage bf = set.stream().filter(p -> p.name().equals("base-files")).findFirst().orElse(null);
        if (bf == null) {
            return Map.of();
        }
        var hit = cache.getDerived("usr-aliases", bf.sha256());
        if (hit.isPresent()) {
            Map<String, String> links = new TreeMap<>();
            for (String line : new String(hit.get(), StandardCharsets.UTF_8).split("\n")) {
                int eq = line.indexOf(' ');
                if (eq > 0) {
                    links.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return links;
        }
        Path deb = join(downloads.fetch(bf).thenApply(x -> x));
        Map<String, String> links = new TreeMap<>();
        try (InputStream in = DebArchive.open(deb, "base-files " + bf.version()).data(); TarReader r = new TarReader(in)) {
            for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                if (h.type() == '2' && !h.path().isEmpty() && !h.path().contains("/")) {
                    links.put(h.path(), h.linkName());
                }
            }
        }
        MergedUsr usr = MergedUsr.of(links);
        StringBuilder b = new StringBuilder();
        usr.aliases().forEach((k, v) -> b.append(k).append(' ').append(v).append('\n'));
        cache.putDerived("usr-aliases", bf.sha256(), b.toString().getBytes(StandardCharsets.UTF_8));
        return usr.aliases();
    }

    private static <T> T join(CompletableFuture<T> f) throws RepositoryException, IOException, InstallException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c instanceof CompletionException && c.getCause() != null) {
                c = c.getCause();
            }
            if (c instanceof RepositoryException r) {
                throw r;
            }
            if (c instanceof DebArchive.BadPackage b) {
                throw new InstallException(b.getMessage());
            }
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(c);
        }
    }

    /**
     * Packages by name, then moved so that a package replacing another's files lies above it. Different
     * content at one path without Replaces either way is an error naming both packages.
     */
    static List<PackageLayer> order(List<PackageLayer> set, String arch) throws InstallException {
        List<PackageLayer> byName = new ArrayList<>(set);
        byName.sort(Comparator.comparing(PackageLayer::name).thenComparing(PackageLayer::arch));
        Map<String, List<Integer>> owners = new HashMap<>();
        Map<Integer, Map<String, Listing.Entry>> index = new HashMap<>();
        for (int i = 0; i < byName.size(); i++) {
            Map<String, Listing.Entry> m = new HashMap<>();
            for (Listing.Entry e : byName.get(i).entries()) {
                m.put(e.path(), e);
                owners.computeIfAbsent(e.path(), k -> new ArrayList<>()).add(i);
            }
            index.put(i, m);
        }
        Map<Integer, Set<Integer>> above = new HashMap<>();
        List<String> paths = new ArrayList<>(owners.keySet());
        paths.sort(null);
        for (String path : paths) {
            List<Integer> who = owners.get(path);
            for (int x = 0; x < who.size(); x++) {
                for (int y = x + 1; y < who.size(); y++) {
                    int a = who.get(x);
                    int b = who.get(y);
                    Listing.Entry ea = index.get(a).get(path);
                    Listing.Entry eb = index.get(b).get(path);
                    if ((ea.type() == TarEntry.Type.DIRECTORY && eb.type() == TarEntry.Type.DIRECTORY) || ea.sameAs(eb)) {
                        continue;
                    }
                    PackageLayer pa = byName.get(a);
                    PackageLayer pb = byName.get(b);
                    if (replaces(pb, pa)) {
                        above.computeIfAbsent(a, k -> new HashSet<>()).add(b);
                    } else if (replaces(pa, pb)) {
                        above.computeIfAbsent(b, k -> new HashSet<>()).add(a);
                    } else {
                        throw new InstallException("/" + path + " is shipped by " + pa.name() + " " + pa.version() + " and by "
                                + pb.name() + " " + pb.version() + " (" + arch + ") with different " + difference(ea, eb)
                                + ", and neither declares Replaces on the other; dpkg would refuse to install both."
                                + " Drop one of them (debian.exclude) or pick other versions.");
                    }
                }
            }
        }
        // Kahn's algorithm, always taking the first by name among the free: stable and deterministic.
        int[] below = new int[byName.size()];
        above.values().forEach(s -> s.forEach(i -> below[i]++));
        PriorityQueue<Integer> free = new PriorityQueue<>();
        for (int i = 0; i < below.length; i++) {
            if (below[i] == 0) {
                free.add(i);
            }
        }
        List<PackageLayer> out = new ArrayList<>();
        while (!free.isEmpty()) {
            int i = free.poll();
            out.add(byName.get(i));
            for (int j : above.getOrDefault(i, Set.of())) {
                if (--below[j] == 0) {
                    free.add(j);
                }
            }
        }
        if (out.size() != byName.size()) {
            throw new InstallException("packages replace each other's files in a cycle (" + arch + "); peel cannot order them");
        }
        return out;
    }

    private static String difference(Listing.Entry a, Listing.Entry b) {
        if (a.type() != b.type()) {
            return "types (" + a.type().name().toLowerCase() + " and " + b.type().name().toLowerCase() + ")";
        }
        if (!a.value().equals(b.value())) {
            return a.type() == TarEntry.Type.FILE ? "content" : "targets (" + a.value() + " and " + b.value() + ")";
        }
        return "modes or owners (" + Integer.toOctalString(a.mode()) + " " + a.uid() + ":" + a.gid() + " and "
                + Integer.toOctalString(b.mode()) + " " + b.uid() + ":" + b.gid() + ")";
    }

    /** True if {@code p} declares Replaces on {@code other} (name, and version when given). */
    static boolean replaces(PackageLayer p, PackageLayer other) {
        if (p.replaces().isBlank()) {
            return false;
        }
        try {
            for (List<Relation> group : Relation.parseField(p.replaces())) {
                for (Relation r : group) {
                    if (r.name().equals(other.name()) && r.accepts(Version.parse(other.version()))) {
                        return true;
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            return false;
        }
        return false;
    }

    private static List<InstalledLayer> single(List<PackageLayer> ordered) {
        List<InstalledLayer> out = new ArrayList<>();
        for (PackageLayer p : ordered) {
            out.add(new InstalledLayer(p.layer(), "debian package " + p.name() + " " + p.version() + " (" + p.arch() + ")",
                    List.of(p.name())));
        }
        return out;
    }

    /**
     * apko's origin strategy: packages grouped by Debian source, then the two smallest groups merged until
     * at most {@code budget} remain; each group's layer sits where its lowest member was.
     */
    private List<InstalledLayer> grouped(List<PackageLayer> ordered, int budget) throws IOException {
        Map<String, List<Integer>> bySource = new LinkedHashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            bySource.computeIfAbsent(ordered.get(i).source(), k -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> groups = new ArrayList<>(bySource.values());
        while (groups.size() > Math.max(1, budget)) {
            groups.sort(Comparator.<List<Integer>>comparingLong(g -> g.stream().mapToLong(i -> ordered.get(i).layer().size()).sum())
                    .thenComparing(g -> g.get(0)));
            List<Integer> merged = new ArrayList<>(groups.remove(0));
            merged.addAll(groups.remove(0));
            merged.sort(null);
            groups.add(merged);
        }
        groups.sort(Comparator.comparing(g -> g.get(0)));
        List<InstalledLayer> out = new ArrayList<>();
        for (List<Integer> g : groups) {
            List<PackageLayer> members = g.stream().map(ordered::get).toList();
            List<String> names = members.stream().map(PackageLayer::name).toList();
            if (members.size() == 1) {
                out.add(single(members).get(0));
                continue;
            }
            String sources = String.join(", ", new java.util.TreeSet<>(members.stream().map(PackageLayer::source).toList()));
            out.add(new InstalledLayer(merged(members), "debian packages of " + sources + ": " + String.join(", ", names), names));
        }
        return out;
    }

    /** One layer of several packages' layers, bottom to top; a path given twice keeps the upper one. */
    private BlobLayer merged(List<PackageLayer> members) throws IOException {
        StringBuilder k = new StringBuilder("peel merged layer 1\n");
        members.forEach(m -> k.append(m.key()).append('\n'));
        k.append(options.compression().cacheKey(options.level()));
        String key = Digest.of(k.toString().getBytes(StandardCharsets.UTF_8)).hex();
        var hit = Listing.cached(cache, "merged-layer", key);
        if (hit.isPresent()) {
            return hit.get().layer();
        }
        Map<String, Integer> winner = new HashMap<>();
        for (int i = 0; i < members.size(); i++) {
            for (Listing.Entry e : members.get(i).entries()) {
                if (e.type() != TarEntry.Type.DIRECTORY || !winner.containsKey(e.path())) {
                    winner.put(e.path(), i);
                }
            }
        }
        BlobLayer blob = new LayerWriter(options.compression(), options.level()).write(w -> {
            for (int i = 0; i < members.size(); i++) {
                PackageLayer m = members.get(i);
                Compression c = Compression.ofMediaType(m.layer().mediaType().toString());
                try (InputStream in = c.decompress(m.layer().open()); TarReader r = new TarReader(in)) {
                    for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                        Integer win = winner.get(h.path());
                        if (win == null || win != i) {
                            continue;
                        }
                        w.write(copy(h, r));
                    }
                }
            }
        }, cache.dir("blobs"), n -> { });
        return Listing.keep(cache, "merged-layer", key, "merged", blob);
    }

    private static TarEntry copy(TarReader.Header h, TarReader r) throws IOException {
        TarEntry.Type type = TarEntry.Type.ofFlag(h.type());
        if (type == null) {
            throw new IOException("unexpected tar entry type '" + h.type() + "' in a package layer: " + h.name());
        }
        String link = type == TarEntry.Type.HARDLINK ? h.linkName().replaceFirst("^(\\./)+", "").replaceFirst("^/+", "")
                : h.linkName();
        return TarEntry.of(h, type, h.path(), link, h.mtime(), type == TarEntry.Type.FILE ? r.current() : null);
    }

    @Override
    public void close() {
        downloads.close();
        builders.shutdownNow();
    }
}
