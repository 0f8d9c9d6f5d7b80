package dev.peel.build;

import dev.peel.cache.Cache;
import dev.peel.debian.Fetcher;
import dev.peel.debian.Lock;
import dev.peel.debian.Mirrors;
import dev.peel.debian.RepositoryException;
import dev.peel.debian.Resolver;
import dev.peel.debian.Source;
import dev.peel.debian.Sources;
import dev.peel.debian.Universe;
import dev.peel.spec.Position;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** The spec's Debian packages resolved per architecture, from its sources, along the trust chain. */
public final class Resolution {
    private Resolution() {
    }

    /**
     * The sources a spec reads: its own list, else the defaults for its suite on its mirror, else on
     * PEEL_DEBIAN_MIRROR, else on the Debian archive of the host's apt sources ({@code etcApt}).
     */
    public static List<Source> sources(Spec.Debian d, Map<String, String> env, Path etcApt) throws SpecException {
        if (!d.sources().isEmpty()) {
            return d.sources();
        }
        if (d.snapshot() != null) {
            String service = env.get("PEEL_DEBIAN_SNAPSHOT");
            if (service == null || service.isBlank()) {
                throw new SpecException(d.at(), "debian.snapshot needs a snapshot service, and PEEL_DEBIAN_SNAPSHOT is not set",
                        "set PEEL_DEBIAN_SNAPSHOT to the URL of a Debian snapshot service (the folder holding archive/debian/)");
            }
            try {
                URI u = new URI(service.strip());
                if (!List.of("http", "https", "file").contains(u.getScheme())) {
                    throw new java.net.URISyntaxException(service, "not http, https or file");
                }
                return Source.snapshot(u, d.snapshot(), d.suite());
            } catch (java.net.URISyntaxException e) {
                throw new SpecException(d.at(), "PEEL_DEBIAN_SNAPSHOT '" + service + "' is not an http, https or file URL");
            }
        }
        URI archive = d.mirror() != null ? d.mirror() : Mirrors.archive(env, etcApt).orElseThrow(() -> new SpecException(d.at(),
                "no Debian mirror: the spec names none, PEEL_DEBIAN_MIRROR is not set, and the host's apt sources name no Debian archive",
                "add debian.mirror: <url of a Debian archive> or set PEEL_DEBIAN_MIRROR"));
        return Source.defaults(archive, Mirrors.security(archive, etcApt), d.suite());
    }

    /** Resolves the spec's packages for each arch, in order. */
    public static Map<String, Resolver.Result> resolve(Spec spec, List<String> archs, Map<String, String> env, Path etcApt,
                                                       Consumer<String> warnings, Instant now, Cache cache)
            throws SpecException, RepositoryException, Resolver.ResolveException {
        return resolveWithUniverses(spec, archs, env, etcApt, warnings, now, cache, new LinkedHashMap<>(), Map.of());
    }

    /**
     * Resolves the spec's packages for each arch on its base image ({@code base} null: none), whose installed
     * packages are not installed again; {@code archs} empty means every arch of the base.
     */
    public static Map<String, Resolver.Result> resolve(Spec spec, List<String> archs, BuildOptions.Host host, BaseImage base)
            throws SpecException, RepositoryException, Resolver.ResolveException, java.io.IOException {
        List<String> wanted = base != null ? base.archsFor(archs) : archs;
        return resolveWithUniverses(spec, wanted, host.env(), host.etcApt(), host.warnings(), host.now(), host.cache(),
                new LinkedHashMap<>(), installed(spec, wanted, base, host.warnings()));
    }

    /** Resolves the spec's packages into a lock, in memory. */
    public static Lock locked(Spec spec, List<String> archs, Map<String, String> env, Path etcApt, Consumer<String> warnings,
                              Instant now, Cache cache) throws SpecException, RepositoryException, Resolver.ResolveException {
        Map<String, Universe> universes = new LinkedHashMap<>();
        Map<String, Resolver.Result> results = resolveWithUniverses(spec, archs, env, etcApt, warnings, now, cache, universes,
                Map.of());
        return JlinkRuntimes.pinned(spec, Lock.of(request(spec.debian()), universes, results), universes);
    }

    /**
     * The spec's lock, in memory: its base pinned (the digest its reference names now, and each arch's manifest)
     * and its packages resolved on that base. {@code archs} empty means every arch of the base. A spec on a base
     * with no packages gets a lock that pins only the base.
     */
    public static Lock locked(Spec spec, List<String> archs, BuildOptions.Host host, BaseImage base)
            throws SpecException, RepositoryException, Resolver.ResolveException, java.io.IOException {
        return locked(spec, archs, host, base, false);
    }

    /**
     * {@link #locked(Spec, List, BuildOptions.Host, BaseImage)}; with {@code skipUnavailable}, archs whose indexes
     * cannot be read or verified are left out of the lock with a warning (build --skip-unavailable-archs).
     */
    public static Lock locked(Spec spec, List<String> archs, BuildOptions.Host host, BaseImage base, boolean skipUnavailable)
            throws SpecException, RepositoryException, Resolver.ResolveException, java.io.IOException {
        if (base == null) {
            Map<String, Universe> universes = new LinkedHashMap<>();
            Map<String, Resolver.Result> results = resolveWithUniverses(spec, archs, host.env(), host.etcApt(), host.warnings(),
                    host.now(), host.cache(), universes, Map.of(), skipUnavailable);
            return JlinkRuntimes.pinned(spec, Lock.of(request(spec.debian()), universes, results), universes);
        }
        List<String> wanted = base.archsFor(archs);
        Lock lock;
        if (hasPackages(spec)) {
            Map<String, Universe> universes = new LinkedHashMap<>();
            Map<String, Resolver.Result> results = resolveWithUniverses(spec, wanted, host.env(), host.etcApt(), host.warnings(),
                    host.now(), host.cache(), universes, installed(spec, wanted, base, host.warnings()), skipUnavailable);
            for (Map.Entry<String, Resolver.Result> e : results.entrySet()) {
                if (!e.getValue().kept().isEmpty()) {
                    host.warnings().accept("the base " + base.spec().written() + " has for " + e.getKey() + " already "
                            + String.join(", ", e.getValue().kept().values().stream().map(p -> p.name() + " " + p.versionText()).toList())
                            + "; not installed again");
                }
            }
            lock = JlinkRuntimes.pinned(spec, Lock.of(request(spec.debian()), universes, results), universes);
            wanted = wanted.stream().filter(results::containsKey).toList();
        } else {
            lock = new Lock(null, List.of(), Map.of());
        }
        return lock.withBase(base.locked(wanted));
    }

    /** Locks the spec (opening its base, if any, through {@code client}) and writes the lock beside it. */
    public static Lock lock(Spec spec, List<String> archs, BuildOptions.Host host, dev.peel.registry.RegistryClient client)
            throws SpecException, RepositoryException, Resolver.ResolveException, java.io.IOException {
        if (spec.base() == null) {
            return lock(spec, archs, host.env(), host.etcApt(), host.warnings(), host.now(), host.cache());
        }
        try (BaseImage base = BaseImage.open(spec.base(), null, client, host.cache())) {
            return write(spec, locked(spec, archs, host, base));
        }
    }

    /** True if the spec installs Debian packages. */
    static boolean hasPackages(Spec spec) {
        return spec.debian() != null && !spec.debian().packages().isEmpty();
    }

    /** The packages the base has installed, per arch (none without a base). */
    private static Map<String, Map<String, dev.peel.debian.Pkg>> installed(Spec spec, List<String> archs, BaseImage base,
                                                                          Consumer<String> warnings)
            throws SpecException, java.io.IOException {
        Map<String, Map<String, dev.peel.debian.Pkg>> out = new LinkedHashMap<>();
        if (base == null || !hasPackages(spec)) {
            return out;
        }
        for (String arch : archs) {
            try {
                out.put(arch, base.contents(arch).installed(arch));
            } catch (IllegalArgumentException e) {
                throw new SpecException(base.spec().at(), "the base " + base.spec().written() + " has a dpkg database peel"
                        + " cannot read (" + e.getMessage() + ")");
            }
        }
        return out;
    }

    /** Resolves and writes the spec's lock next to it ({@link #lockPath}), atomically; returns it. */
    public static Lock lock(Spec spec, List<String> archs, Map<String, String> env, Path etcApt, Consumer<String> warnings,
                            Instant now, Cache cache) throws SpecException, RepositoryException, Resolver.ResolveException, java.io.IOException {
        return write(spec, locked(spec, archs, env, etcApt, warnings, now, cache));
    }

    private static Lock write(Spec spec, Lock lock) throws java.io.IOException {
        Path target = lockPath(spec);
        Path tmp = java.nio.file.Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".tmp");
        try {
            java.nio.file.Files.write(tmp, lock.toJson());
            dev.peel.layout.LayoutWriter.publish(tmp, target);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
        return lock;
    }

    /** {@code image.yaml} → {@code image.lock.json}, beside it. */
    public static Path lockPath(Spec spec) {
        String name = spec.file().getFileName().toString().replaceFirst("\\.(ya?ml)$", "");
        return spec.file().toAbsolutePath().resolveSibling(name + ".lock.json");
    }

    /** What the spec asks, in the form a lock records. */
    public static Lock.Request request(Spec.Debian d) {
        return new Lock.Request(d.suite(), d.packages().stream().map(Object::toString).toList(),
                d.transitive() ? "transitive" : "explicit", List.copyOf(new java.util.TreeSet<>(d.exclude())));
    }

    /** Why the spec's lock file (if any) is stale, or null when there is none or it is current. */
    public static String staleLock(Spec spec, List<String> archs) {
        Path p = lockPath(spec);
        if (!java.nio.file.Files.isRegularFile(p) || (spec.debian() == null && spec.base() == null)) {
            return null;
        }
        try {
            Lock lock = Lock.parse(java.nio.file.Files.readAllBytes(p));
            String why = spec.base() == null && lock.base() == null && lock.request() != null && spec.debian() != null
                    ? lock.staleness(request(spec.debian()), archs)
                    : lock.staleness(hasPackages(spec) ? request(spec.debian()) : null,
                            spec.base() == null ? null : spec.base().written(), archs);
            why = why != null ? why : JlinkRuntimes.staleness(spec, lock, archs);
            return why == null ? null : p.getFileName() + " is stale: " + why + "; run peel lock";
        } catch (java.io.IOException | IllegalArgumentException e) {
            return p.getFileName() + " cannot be read (" + e.getMessage() + "); run peel lock";
        }
    }

    private static Map<String, Resolver.Result> resolveWithUniverses(Spec spec, List<String> archs, Map<String, String> env,
                                                                     Path etcApt, Consumer<String> warnings, Instant now,
                                                                     Cache cache, Map<String, Universe> universes,
                                                                     Map<String, Map<String, dev.peel.debian.Pkg>> installed)
            throws SpecException, RepositoryException, Resolver.ResolveException {
        return resolveWithUniverses(spec, archs, env, etcApt, warnings, now, cache, universes, installed, false);
    }

    /**
     * Resolves for each arch on a core of its own. An arch that no suite's Release lists is a spec error naming it;
     * with {@code skipUnavailable}, an arch whose indexes cannot be read or verified is left out with a warning
     * (when at least one arch remains), and is missing from the result.
     */
    private static Map<String, Resolver.Result> resolveWithUniverses(Spec spec, List<String> archs, Map<String, String> env,
                                                                     Path etcApt, Consumer<String> warnings, Instant now,
                                                                     Cache cache, Map<String, Universe> universes,
                                                                     Map<String, Map<String, dev.peel.debian.Pkg>> installed,
                                                                     boolean skipUnavailable)
            throws SpecException, RepositoryException, Resolver.ResolveException {
        Spec.Debian d = spec.debian();
        if (d == null || d.packages().isEmpty()) {
            throw new SpecException(new Position(spec.displayName(), 1, 1), "the spec lists no Debian packages",
                    "add debian: {suite: bookworm, packages: [...]}");
        }
        Sources sources = new Sources(sources(d, env, etcApt), new Fetcher(), warnings, cache);
        // Each arch's indexes are fetched, decompressed and parsed on a core of their own; the Releases they
        // share are fetched and verified once.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                Math.max(1, Math.min(archs.size(), Runtime.getRuntime().availableProcessors())), r -> {
                    Thread t = new Thread(r, "peel-resolve");
                    t.setDaemon(true);
                    return t;
                });
        try {
            Map<String, java.util.concurrent.Future<Object[]>> work = new LinkedHashMap<>();
            for (String arch : archs) {
                work.put(arch, pool.submit(() -> {
                    Universe u = sources.universe(arch, now);
                    if (!u.hasListedSuite()) {
                        throw new SpecException(d.at(), "no suite of the sources supports architecture " + arch + " ("
                                + String.join(", ", u.origins().stream().map(o -> o.suite()).toList())
                                + ": their Releases do not list it)", "leave " + arch + " out of archs (or --arch)");
                    }
                    try {
                        return new Object[] {u, new Resolver(u, d.transitive(), d.exclude(), installed.getOrDefault(arch, Map.of()))
                                .resolve(d.packages())};
                    } catch (Resolver.ResolveException e) {
                        throw new Resolver.ResolveException("for " + arch + ": " + e.getMessage());
                    }
                }));
            }
            Map<String, Resolver.Result> out = new LinkedHashMap<>();
            RepositoryException firstUnavailable = null;
            for (Map.Entry<String, java.util.concurrent.Future<Object[]>> e : work.entrySet()) {
                Object[] r;
                try {
                    r = e.getValue().get();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new RepositoryException("interrupted", ie);
                } catch (java.util.concurrent.ExecutionException ee) {
                    Throwable c = ee.getCause();
                    if (c instanceof RepositoryException re && skipUnavailable) {
                        warnings.accept("warning: " + e.getKey() + " left out (--skip-unavailable-archs): " + re.getMessage());
                        firstUnavailable = firstUnavailable == null ? re : firstUnavailable;
                        continue;
                    }
                    if (c instanceof RepositoryException re) {
                        throw re;
                    }
                    if (c instanceof SpecException se) {
                        throw se;
                    }
                    if (c instanceof Resolver.ResolveException re) {
                        throw re;
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new RepositoryException(String.valueOf(c.getMessage()), c);
                }
                universes.put(e.getKey(), (Universe) r[0]);
                out.put(e.getKey(), (Resolver.Result) r[1]);
            }
            if (out.isEmpty() && firstUnavailable != null) {
                throw firstUnavailable;
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
