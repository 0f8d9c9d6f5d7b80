package dev.peel.debian;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One binary package version of an index, with the relations the resolver reads.
 *
 * @param depends Pre-Depends then Depends, each a group of alternatives
 * @param base the repository that lists it (pool paths are relative to it)
 * @param suite the suite whose index listed it
 */
public record Pkg(java.net.URI base, String name, Version version, String arch, String multiArch, String source, String suite,
                  String component, List<List<Relation>> depends, List<Relation> provides,
                  List<List<Relation>> conflicts, List<List<Relation>> breaks, String priority, boolean essential,
                  Deb822.Stanza stanza) {

    /** Reads a Packages stanza; {@code what} names it in errors. */
    static Pkg of(Deb822.Stanza s, java.net.URI base, String suite, String component, String what) {
        String name = s.get("Package");
        String v = s.get("Version");
        if (name == null || v == null) {
            throw new IllegalArgumentException(what + ": a stanza without Package or Version (line " + s.line() + ")");
        }
        List<List<Relation>> depends = new ArrayList<>(Relation.parseField(s.get("Pre-Depends")));
        depends.addAll(Relation.parseField(s.get("Depends")));
        List<Relation> provides = new ArrayList<>();
        for (List<Relation> g : Relation.parseField(s.get("Provides"))) {
            provides.addAll(g);
        }
        String source = s.get("Source");
        source = source == null ? name : source.replaceFirst("\\s*\\(.*", "").strip();
        String ma = s.get("Multi-Arch");
        return new Pkg(base, name, Version.parse(v), s.get("Architecture"), ma == null ? "no" : ma.toLowerCase(Locale.ROOT),
                source, suite, component, List.copyOf(depends), List.copyOf(provides),
                Relation.parseField(s.get("Conflicts")), Relation.parseField(s.get("Breaks")),
                s.get("Priority") == null ? "optional" : s.get("Priority"), "yes".equalsIgnoreCase(s.get("Essential")), s);
    }

    /** The version exactly as the index writes it ({@code 0:1.0} stays so); {@link #version()} orders it. */
    public String versionText() {
        return stanza.get("Version").strip();
    }

    /** apt's ordering of Priority: required first. */
    int priorityRank() {
        return switch (priority) {
            case "required" -> 0;
            case "important" -> 1;
            case "standard" -> 2;
            case "optional" -> 3;
            default -> 4;
        };
    }

    @Override
    public String toString() {
        return name + " " + versionText() + " " + arch;
    }
}
