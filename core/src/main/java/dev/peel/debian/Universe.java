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
    /** Stanzas are read into {@link Pkg}s only when the resolver asks for a name: most never are. */
    private static final class Entry {
        private final byte[] text;
        private final int start;
        private final int end;
        private Deb822.Stanza stanza;
        final java.net.URI base;
        final String suite;
        final String component;

        Entry(Deb822.Stanza stanza, byte[] text, int start, int end, java.net.URI base, String suite, String component) {
            this.stanza = stanza;
            this.text = text;
            this.start = start;
            this.end = end;
            this.base = base;
            this.suite = suite;
            this.component = component;
        }

        /** The stanza, parsed from its slice of the index the first time it is needed. */
        Deb822.Stanza stanza() {
            if (stanza == null) {
                List<Deb822.Stanza> one = new ArrayList<>(1);
                try {
                    Deb822.parse(text, start, end, one::add);
                } catch (Deb822.ParseException e) {
                    throw new IllegalArgumentException(suite + "/" + component + ": " + e.getMessage(), e);
                }
                if (one.size() != 1) {
                    throw new IllegalArgumentException(suite + "/" + component + ": a stanza the index scan misread");
                }
                stanza = one.get(0);
            }
            return stanza;
        }
    }

    private final Map<String, List<Entry>> byName = new HashMap<>();
    private final Map<String, List<Entry>> providers = new HashMap<>();
    private final Map<String, List<Pkg>> read = new HashMap<>();
    private final List<String> suites = new ArrayList<>();
    private final List<Origin> origins = new ArrayList<>();

    /**
     * A suite read into this universe, and the digest of the InRelease it was read from; {@code skipped} when its
     * Release does not list this universe's arch, so it gave no packages (apt's "doesn't support architecture").
     */
    public record Origin(java.net.URI base, String suite, List<String> components, String inReleaseSha256,
                         java.time.Instant date, boolean skipped) {
        public Origin(java.net.URI base, String suite, List<String> components, String inReleaseSha256,
                      java.time.Instant date) {
            this(base, suite, components, inReleaseSha256, date, false);
        }
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

    /** True when at least one suite read gave this arch's packages (its Release lists the arch). */
    public boolean hasListedSuite() {
        return origins.stream().anyMatch(o -> !o.skipped());
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
            String name = s.get("Package");
            if (name == null) {
                throw new IllegalArgumentException(suite + "/" + component + ": a stanza without Package (line " + s.line() + ")");
            }
            Entry e = new Entry(s, null, 0, 0, base, suite, component);
            byName.computeIfAbsent(name, k -> new ArrayList<>()).add(e);
            read.remove(name);
            String provides = s.get("Provides");
            if (provides != null) {
                for (List<Relation> g : Relation.parseField(provides)) {
                    for (Relation pr : g) {
                        providers.computeIfAbsent(pr.name(), k -> new ArrayList<>()).add(e);
                    }
                }
            }
        }
    }

    /** The suites added, in order. */
    public List<String> suites() {
        return List.copyOf(suites);
    }

    /**
     * Adds a Packages index by its located stanzas ({@link StanzaIndex}): only the stanzas the resolver
     * asks for are ever parsed.
     */
    void addIndexed(byte[] text, List<StanzaIndex.Entry> index, java.net.URI base, String suite, String component) {
        if (!suites.contains(suite)) {
            suites.add(suite);
        }
        for (StanzaIndex.Entry x : index) {
            if (x.name() == null || (!arch.equals(x.arch()) && !"all".equals(x.arch()))) {
                continue;
            }
            Entry e = new Entry(null, text, x.start(), x.end(), base, suite, component);
            byName.computeIfAbsent(x.name(), k -> new ArrayList<>()).add(e);
            read.remove(x.name());
            if (x.provides() != null) {
                for (List<Relation> g : Relation.parseField(x.provides())) {
                    for (Relation pr : g) {
                        providers.computeIfAbsent(pr.name(), k -> new ArrayList<>()).add(e);
                    }
                }
            }
        }
    }

    /** Every version of a real package. */
    public List<Pkg> versions(String name) {
        List<Pkg> ps = read.get(name);
        if (ps == null) {
            ps = new ArrayList<>();
            for (Entry e : byName.getOrDefault(name, List.of())) {
                ps.add(Pkg.of(e.stanza(), e.base, e.suite, e.component, e.suite + "/" + e.component));
            }
            read.put(name, ps);
        }
        return ps;
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
        List<Pkg> out = new ArrayList<>();
        for (Entry e : providers.getOrDefault(name, List.of())) {
            for (Pkg p : versions(e.stanza().get("Package"))) {
                if (p.stanza() == e.stanza() && !out.contains(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }
}
