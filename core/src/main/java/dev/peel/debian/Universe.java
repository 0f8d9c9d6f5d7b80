package dev.peel.debian;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every package version the sources offer for one architecture (its own packages and
 * {@code Architecture: all} ones), looked up by name and by what they provide.
 */
public final class Universe {
    private final String arch;
    private final Map<String, List<Pkg>> byName = new HashMap<>();
    private final Map<String, List<Pkg>> providers = new HashMap<>();
    private final List<String> suites = new ArrayList<>();
    private final List<Origin> origins = new ArrayList<>();

    /** A suite read into this universe, and the digest of the InRelease it was read from. */
    public record Origin(java.net.URI base, String suite, List<String> components, String inReleaseSha256,
                         java.time.Instant date) {
    }

    public Universe(String arch) {
        this.arch = arch;
    }

    public String arch() {
        return arch;
    }

    /** Records which suite (and signed file) the following {@link #add} calls come from. */
    public void origin(Origin o) {
        origins.add(o);
    }

    public List<Origin> origins() {
        return List.copyOf(origins);
    }

    /** Adds a parsed Packages index of a suite and component. */
    public void add(List<Deb822.Stanza> stanzas, String suite, String component) {
        add(stanzas, null, suite, component);
    }

    /** Adds a parsed Packages index of a suite and component of the repository at {@code base}. */
    public void add(List<Deb822.Stanza> stanzas, java.net.URI base, String suite, String component) {
        if (!suites.contains(suite)) {
            suites.add(suite);
        }
        for (Deb822.Stanza s : stanzas) {
            String a = s.get("Architecture");
            if (!arch.equals(a) && !"all".equals(a)) {
                continue;
            }
            Pkg p = Pkg.of(s, base, suite, component, suite + "/" + component);
            byName.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p);
            for (Relation pr : p.provides()) {
                providers.computeIfAbsent(pr.name(), k -> new ArrayList<>()).add(p);
            }
        }
    }

    /** The suites added, in order. */
    public List<String> suites() {
        return List.copyOf(suites);
    }

    /** Every version of a real package. */
    public List<Pkg> versions(String name) {
        return byName.getOrDefault(name, List.of());
    }

    /**
     * apt's candidate: the newest version of the package over all suites (they share one pin priority);
     * null if no suite has it.
     */
    public Pkg candidate(String name) {
        Pkg best = null;
        for (Pkg p : versions(name)) {
            if (best == null || p.version().compareTo(best.version()) > 0) {
                best = p;
            }
        }
        return best;
    }

    /** Packages (any version) that provide {@code name}. */
    public List<Pkg> providersOf(String name) {
        return providers.getOrDefault(name, List.of());
    }
}
