package dev.peel.debian;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Computes the packages an install would bring in, as apt does for a system with nothing installed and
 * without Recommends: every package at its candidate version (the newest over the suites); Pre-Depends and
 * Depends followed depth first in field order; for a group of alternatives, nothing if the group is
 * already satisfied, else the first alternative whose candidate satisfies it — a real package before a
 * virtual one, and among providers the one already chosen, then by Priority, then by name.
 *
 * <p>Where apt would stop because the candidate is too new for a versioned dependency, the newest version
 * of the other suites that satisfies it is taken instead (one version per package still: a later
 * dependency that the chosen version cannot meet is an error naming both chains).
 *
 * <p>On a base image, the packages it already has count as installed, as on a system apt installs into: a
 * dependency they satisfy (by name or Provides) is not installed again, and a requested package already
 * there at an acceptable version is skipped. A requested version the installed one does not satisfy is
 * installed over it, as an upgrade would.
 */
public final class Resolver {
    /** A request or dependency that cannot be met, with the chain that led to it. */
    public static final class ResolveException extends Exception {
        public ResolveException(String message) {
            super(message);
        }
    }

    /**
     * The closure, by name, and for each package the chain that pulled it in; {@code kept} are the installed
     * packages (on a base image) that a request or dependency named and that are not installed again.
     */
    public record Result(Map<String, Pkg> packages, Map<String, String> why, Map<String, Pkg> kept) {
        public Result(Map<String, Pkg> packages, Map<String, String> why) {
            this(packages, why, Map.of());
        }

        /** The lines {@code peel resolve} prints: {@code name version arch}, sorted by name. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            new TreeMap<>(packages).forEach((n, p) -> out.add(n + " " + p.versionText() + " " + p.arch()));
            return out;
        }
    }

    private final Universe universe;
    private final boolean transitive;
    private final Set<String> exclude;
    private final Map<String, Pkg> installed;
    private final Map<String, Pkg> marked = new LinkedHashMap<>();
    private final Map<String, Pkg> kept = new TreeMap<>();
    private final Map<String, String> why = new LinkedHashMap<>();

    public Resolver(Universe universe, boolean transitive, Set<String> exclude) {
        this(universe, transitive, exclude, Map.of());
    }

    /** A resolver for a system that already has {@code installed} (by name; a base image's packages). */
    public Resolver(Universe universe, boolean transitive, Set<String> exclude, Map<String, Pkg> installed) {
        this.universe = universe;
        this.transitive = transitive;
        this.exclude = Set.copyOf(exclude);
        this.installed = Map.copyOf(installed);
    }

    public Result resolve(List<Relation> requests) throws ResolveException {
        for (Relation r : requests) {
            Pkg there = installed.get(r.name());
            if (there != null && r.accepts(there.version()) && archOk(r, there) && !marked.containsKey(r.name())) {
                kept.put(there.name(), there);
                continue;
            }
            Pkg p = requested(r);
            why.putIfAbsent(p.name(), "requested" + (r.name().equals(p.name()) ? "" : " as " + r));
            mark(p, new ArrayList<>(List.of(p.name())));
        }
        checkConflicts();
        return new Result(new TreeMap<>(marked), why, kept);
    }

    private Pkg requested(Relation r) throws ResolveException {
        Pkg c = universe.candidate(r.name());
        if (c != null) {
            Pkg fitting = newestAccepting(r);
            if (fitting != null) {
                return fitting;
            }
            if (!r.accepts(c.version())) {
                throw new ResolveException(r + " is requested but " + r.name() + " " + versionsOf(r.name())
                        + " is what " + suites() + " offer for " + universe.arch());
            }
            return c;
        }
        List<Pkg> providers = providers(r);
        if (providers.size() == 1) {
            return providers.get(0);
        }
        if (providers.isEmpty()) {
            throw new ResolveException(r.name() + " is not available for " + universe.arch() + " in " + suites());
        }
        throw new ResolveException(r.name() + " is a virtual package provided by "
                + String.join(", ", providers.stream().map(Pkg::name).toList()) + "; name one of them");
    }

    private void mark(Pkg p, List<String> chain) throws ResolveException {
        if (marked.containsKey(p.name())) {
            return;
        }
        marked.put(p.name(), p);
        if (!transitive) {
            return;
        }
        for (List<Relation> group : p.depends()) {
            if (satisfied(group)) {
                continue;
            }
            Pkg choice = choose(group);
            if (choice == null) {
                throw new ResolveException(String.join(" → ", chain) + " → " + describe(group) + ": "
                        + unavailable(group));
            }
            why.putIfAbsent(choice.name(), String.join(" → ", chain) + " → " + describe(group));
            List<String> next = new ArrayList<>(chain);
            next.add(choice.name());
            mark(choice, next);
        }
    }

    private boolean satisfied(List<Relation> group) {
        for (Relation r : group) {
            if (exclude.contains(r.name())) {
                return true;
            }
            Pkg m = marked.get(r.name());
            if (m != null && r.accepts(m.version()) && archOk(r, m)) {
                return true;
            }
            for (Pkg p : marked.values()) {
                for (Relation pr : p.provides()) {
                    if (pr.name().equals(r.name()) && provideAccepts(r, pr)) {
                        return true;
                    }
                }
            }
        }
        // What the base has counts only where the closure does not install another version over it.
        for (Relation r : group) {
            Pkg i = installed.get(r.name());
            if (i != null && !marked.containsKey(i.name()) && r.accepts(i.version()) && archOk(r, i)) {
                kept.put(i.name(), i);
                return true;
            }
            for (Pkg p : installed.values()) {
                if (marked.containsKey(p.name())) {
                    continue;
                }
                for (Relation pr : p.provides()) {
                    if (pr.name().equals(r.name()) && provideAccepts(r, pr)) {
                        kept.put(p.name(), p);
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private Pkg choose(List<Relation> group) {
        for (Relation r : group) {
            if (!marked.containsKey(r.name())) {
                Pkg c = newestAccepting(r);
                if (c != null) {
                    return c;
                }
            }
            List<Pkg> ps = providers(r);
            if (!ps.isEmpty()) {
                return ps.get(0);
            }
        }
        return null;
    }

    /** The candidate if it satisfies {@code r}, else the newest other version that does, else null. */
    private Pkg newestAccepting(Relation r) {
        Pkg c = universe.candidate(r.name());
        if (c != null && r.accepts(c.version()) && archOk(r, c)) {
            return c;
        }
        Pkg best = null;
        for (Pkg p : universe.versions(r.name())) {
            if (r.accepts(p.version()) && archOk(r, p) && (best == null || p.version().compareTo(best.version()) > 0)) {
                best = p;
            }
        }
        return best;
    }

    /** Candidates that provide what {@code r} asks for, best first. */
    private List<Pkg> providers(Relation r) {
        List<Pkg> out = new ArrayList<>();
        for (Pkg p : universe.providersOf(r.name())) {
            if (exclude.contains(p.name()) || universe.candidate(p.name()) != p) {
                continue;
            }
            for (Relation pr : p.provides()) {
                if (pr.name().equals(r.name()) && provideAccepts(r, pr) && !out.contains(p)) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.<Pkg>comparingInt(p -> marked.containsKey(p.name()) ? 0 : 1)
                .thenComparingInt(Pkg::priorityRank).thenComparing(Pkg::name));
        return out;
    }

    /** An unversioned need is met by any provider; a versioned one only by a provide of '=' version. */
    private static boolean provideAccepts(Relation need, Relation provide) {
        if (need.op() == null) {
            return true;
        }
        return "=".equals(provide.op()) && provide.version() != null && need.accepts(provide.version());
    }

    private boolean archOk(Relation r, Pkg p) {
        String q = r.archQualifier();
        if (q == null || q.equals("native")) {
            return true;
        }
        if (q.equals("any")) {
            return true;
        }
        return q.equals(p.arch()) || "all".equals(p.arch()) && q.equals(universe.arch());
    }

    private void checkConflicts() throws ResolveException {
        List<String> problems = new ArrayList<>();
        for (Pkg p : marked.values()) {
            for (String kind : List.of("Conflicts", "Breaks")) {
                for (List<Relation> g : kind.equals("Conflicts") ? p.conflicts() : p.breaks()) {
                    for (Relation r : g) {
                        Pkg other = marked.get(r.name());
                        if (other != null && other != p && r.accepts(other.version())) {
                            problems.add(p.name() + " " + p.versionText() + " " + kind.toLowerCase() + " with " + other.name()
                                    + " " + other.versionText() + " (" + r + ")");
                        }
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ResolveException("the chosen packages cannot be installed together: " + String.join("; ", problems));
        }
    }

    private String unavailable(List<Relation> group) {
        List<String> parts = new ArrayList<>();
        for (Relation r : group) {
            Pkg chosen = marked.get(r.name());
            if (chosen != null) {
                parts.add(r.name() + " " + chosen.versionText() + " is already chosen (" + why.getOrDefault(r.name(), "requested") + ")");
                continue;
            }
            List<Pkg> vs = universe.versions(r.name());
            parts.add(vs.isEmpty() ? r.name() + " is not available for " + universe.arch()
                    : r.name() + " has only " + versionsOf(r.name()));
        }
        return String.join("; ", parts) + " in " + suites();
    }

    private String versionsOf(String name) {
        return String.join(", ", universe.versions(name).stream().map(p -> p.versionText() + " (" + p.suite() + ")").toList());
    }

    private String suites() {
        return String.join(", ", universe.suites());
    }

    private static String describe(List<Relation> group) {
        return String.join(" | ", group.stream().map(Relation::toString).toList());
    }
}
