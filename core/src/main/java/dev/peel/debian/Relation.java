package dev.peel.debian;

import java.util.ArrayList;
import java.util.List;

/**
 * One package relation as Debian writes it: {@code name[:arch] [(op version)]}; a Depends field is a list
 * of alternatives groups ({@code a | b, c}). Architecture restrictions {@code [..]} and build profiles
 * {@code <..>} (source packages only) are read and dropped.
 *
 * @param archQualifier null, "any", "native" or an architecture name
 * @param op null (any version), "<<", "<=", "=", ">=" or ">>"
 */
public record Relation(String name, String archQualifier, String op, Version version) {

    /** Parses a whole relationship field into groups of alternatives. */
    public static List<List<Relation>> parseField(String field) {
        List<List<Relation>> out = new ArrayList<>();
        if (field == null || field.isBlank()) {
            return out;
        }
        for (String group : field.split(",")) {
            if (group.isBlank()) {
                continue;
            }
            List<Relation> alts = new ArrayList<>();
            for (String alt : group.split("\\|")) {
                alts.add(parse(alt));
            }
            out.add(alts);
        }
        return out;
    }

    /** Parses one relation. */
    public static Relation parse(String s) {
        String t = s;
        if (t.indexOf('[') >= 0) {
            t = t.replaceAll("\\[[^]]*]", " ");
        }
        if (t.indexOf('<') >= 0) {
            // Build profiles (<!nocheck>) start with '!' or a letter; version operators with '<', '=' or a space.
            t = t.replaceAll("<[!a-z][^<>]*>", " ");
        }
        t = t.strip();
        String op = null;
        Version version = null;
        int paren = t.indexOf('(');
        if (paren >= 0) {
            int close = t.indexOf(')', paren);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '(' in relation '" + s.strip() + "'");
            }
            String inner = t.substring(paren + 1, close).strip();
            t = t.substring(0, paren).strip();
            int i = 0;
            while (i < inner.length() && "<>=".indexOf(inner.charAt(i)) >= 0) {
                i++;
            }
            op = inner.substring(0, i);
            // Obsolete spellings: '<' means '<=', '>' means '>='.
            op = switch (op) {
                case "<" -> "<=";
                case ">" -> ">=";
                case "<<", "<=", "=", ">=", ">>" -> op;
                default -> throw new IllegalArgumentException("bad operator '" + op + "' in relation '" + s.strip() + "'");
            };
            version = Version.parse(inner.substring(i).strip());
        }
        String arch = null;
        int colon = t.indexOf(':');
        if (colon >= 0) {
            arch = t.substring(colon + 1).strip();
            t = t.substring(0, colon).strip();
        }
        if (t.isEmpty() || t.contains(" ")) {
            throw new IllegalArgumentException("bad package name in relation '" + s.strip() + "'");
        }
        return new Relation(t, arch, op, version);
    }

    /** True if {@code v} satisfies this relation's version constraint. */
    public boolean accepts(Version v) {
        if (op == null) {
            return true;
        }
        if (v == null) {
            return false;
        }
        int c = v.compareTo(version);
        return switch (op) {
            case "<<" -> c < 0;
            case "<=" -> c <= 0;
            case "=" -> c == 0;
            case ">=" -> c >= 0;
            default -> c > 0;
        };
    }

    @Override
    public String toString() {
        return name + (archQualifier == null ? "" : ":" + archQualifier) + (op == null ? "" : " (" + op + " " + version + ")");
    }
}
