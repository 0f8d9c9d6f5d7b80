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

    /** Every package the sources offer for {@code arch}, each index verified along its chain. */
    public Universe universe(String arch, Instant now) throws RepositoryException {
        Universe u = new Universe(arch);
        for (Source s : sources) {
            Keyring keys;
            try {
                keys = s.keyring() == null ? Keyring.debian() : Keyring.read(s.keyring());
            } catch (IOException e) {
                throw new RepositoryException("keyring " + s.keyring() + ": " + e.getMessage(), e);
            }
            for (String suite : s.suites()) {
                Repository r = new Repository(s.url(), suite, keys, fetcher, cache);
                Release release = s.insecure() ? r.unverifiedRelease(warnings) : r.release(now, false);
                u.origin(new Universe.Origin(s.url(), suite, s.components(), release.fileSha256(), release.date()));
                for (String component : s.components()) {
                    try {
                        u.add(Deb822.parse(r.packages(release, component, arch)), s.url(), suite, component);
                    } catch (Deb822.ParseException e) {
                        throw new RepositoryException(s.url() + " " + suite + "/" + component + "/" + arch
                                + " Packages is malformed: " + e.getMessage(), e);
                    } catch (IllegalArgumentException e) {
                        throw new RepositoryException(s.url() + " " + suite + "/" + component + "/" + arch + ": "
                                + e.getMessage(), e);
                    }
                }
            }
        }
        return u;
    }
}
