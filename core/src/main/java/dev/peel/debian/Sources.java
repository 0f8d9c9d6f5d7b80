package dev.peel.debian;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/** Reads the package indexes of several sources into one {@link Universe} per architecture. */
public final class Sources {
    private final List<Source> sources;
    private final Fetcher fetcher;
    private final Consumer<String> warnings;

    private final dev.peel.cache.Cache cache;
    /** Releases already verified in this run, by "url suite": several archs share one InRelease. */
    private final java.util.Map<String, Release> releases = new java.util.HashMap<>();
    private final java.util.Map<String, Keyring> keyrings = new java.util.HashMap<>();

    public Sources(List<Source> sources, Fetcher fetcher, Consumer<String> warnings) {
        this(sources, fetcher, warnings, null);
    }

    public Sources(List<Source> sources, Fetcher fetcher, Consumer<String> warnings, dev.peel.cache.Cache cache) {
        this.sources = List.copyOf(sources);
        this.fetcher = fetcher;
        this.warnings = warnings;
        this.cache = cache;
    }

    public List<Source> sources() {
        return sources;
    }

    /** Every package the sources offer for {@code arch}, each index verified along its chain (thread-safe). */
    public Universe universe(String arch, Instant now) throws RepositoryException {
        Universe u = new Universe(arch);
        for (Source s : sources) {
            Keyring keys = keyring(s);
            for (String suite : s.suites()) {
                Repository r = new Repository(s.url(), suite, keys, fetcher, cache);
                Release release = release(s, suite, r, now);
                java.util.Set<String> listed = release.architectures();
                if (listed != null && !listed.contains(arch)) {
                    // As apt: "Skipping acquire of configured file … as repository … doesn't support architecture".
                    u.origin(new Universe.Origin(s.url(), suite, s.components(), release.fileSha256(), release.date(), true));
                    warnings.accept("note: " + suite + " at " + s.url() + " does not support architecture " + arch
                            + " (its Release lists " + String.join(" ", listed) + "); skipped for " + arch + ", as apt does");
                    continue;
                }
                u.origin(new Universe.Origin(s.url(), suite, s.components(), release.fileSha256(), release.date()));
                for (String component : s.components()) {
                    try {
                        byte[] text = r.packages(release, component, arch);
                        // The text was checked against this signed hash (when listed): no need to hash it again.
                        Release.FileHash plain = release.sha256().get(component + "/binary-" + arch + "/Packages");
                        u.addIndexed(text, index(text, plain == null ? null : plain.sha256()), s.url(), suite, component);
                    } catch (IllegalArgumentException e) {
                        throw new RepositoryException(s.url() + " " + suite + "/" + component + "/" + arch + ": "
                                + e.getMessage(), e);
                    }
                }
            }
        }
        return u;
    }

    /** A suite's verified Release, fetched once however many archs (threads) read it. */
    private synchronized Release release(Source s, String suite, Repository r, Instant now) throws RepositoryException {
        String key = s.url() + " " + suite;
        Release release = releases.get(key);
        if (release == null) {
            release = s.insecure() ? r.unverifiedRelease(warnings) : r.release(now, s.snapshot());
            releases.put(key, release);
        }
        return release;
    }

    /** A source's keyring, read once however many archs use it. */
    private synchronized Keyring keyring(Source s) throws RepositoryException {
        String key = s.keyring() == null ? "" : s.keyring().toString();
        Keyring k = keyrings.get(key);
        if (k == null) {
            try {
                k = s.keyring() == null ? Keyring.debian() : Keyring.read(s.keyring());
            } catch (IOException e) {
                throw new RepositoryException("keyring " + s.keyring() + ": " + e.getMessage(), e);
            }
            keyrings.put(key, k);
        }
        return k;
    }

    /** The stanza index of a Packages text: from the cache by the text's SHA256, else scanned (and kept). */
    private List<StanzaIndex.Entry> index(byte[] text, String knownSha256) {
        String hex = cache == null ? null : knownSha256 != null ? knownSha256 : dev.peel.oci.Digest.of(text).hex();
        if (hex != null) {
            java.util.Optional<byte[]> hit = cache.getDerived("packages-index", hex);
            if (hit.isPresent()) {
                List<StanzaIndex.Entry> entries = StanzaIndex.fromBytes(hit.get(), text.length);
                if (entries != null) {
                    return entries;
                }
            }
        }
        List<StanzaIndex.Entry> entries = StanzaIndex.scan(text);
        if (hex != null) {
            cache.putDerived("packages-index", hex, StanzaIndex.toBytes(entries));
        }
        return entries;
    }
}
