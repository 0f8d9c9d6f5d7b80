package dev.peel.debian;

/**
 * A Debian package version, compared exactly as dpkg compares them: epoch numerically, then upstream
 * version and revision with dpkg's {@code verrevcmp} ('~' sorts before everything, even the end; letters
 * before other characters; digit runs numerically).
 *
 * @param epoch 0 when not written
 * @param revision "" when not written (dpkg treats it as "0" in comparisons, which compares equal)
 */
public record Version(long epoch, String upstream, String revision) implements Comparable<Version> {

    public Version {
        if (epoch < 0) {
            throw new IllegalArgumentException("negative epoch");
        }
        if (upstream == null || upstream.isEmpty()) {
            throw new IllegalArgumentException("empty upstream version");
        }
        revision = revision == null ? "" : revision;
    }

    /**
     * Parses {@code [epoch:]upstream[-revision]} as dpkg does: the epoch is the digits before the first
     * colon, the revision what follows the last hyphen. Whitespace around it is ignored; inside it, as
     * well as an empty or non-numeric epoch, an empty upstream or one not starting with a digit is an
     * {@link IllegalArgumentException} naming the problem.
     */
    public static Version parse(String s) {
        String v = s.strip();
        if (v.isEmpty()) {
            throw new IllegalArgumentException("empty version");
        }
        for (int i = 0; i < v.length(); i++) {
            if (Character.isWhitespace(v.charAt(i))) {
                throw new IllegalArgumentException("version '" + s + "' has embedded spaces");
            }
        }
        long epoch = 0;
        int colon = v.indexOf(':');
        if (colon >= 0) {
            String e = v.substring(0, colon);
            if (e.isEmpty() || !e.chars().allMatch(c -> c >= '0' && c <= '9') || e.length() > 9) {
                throw new IllegalArgumentException("version '" + s + "' has a bad epoch");
            }
            epoch = Long.parseLong(e);
            v = v.substring(colon + 1);
        }
        String revision = "";
        int hyphen = v.lastIndexOf('-');
        if (hyphen >= 0) {
            revision = v.substring(hyphen + 1);
            v = v.substring(0, hyphen);
            if (revision.isEmpty()) {
                throw new IllegalArgumentException("version '" + s + "' has an empty revision");
            }
        }
        if (v.isEmpty()) {
            throw new IllegalArgumentException("version '" + s + "' has an empty upstream part");
        }
        if (!Character.isDigit(v.charAt(0))) {
            throw new IllegalArgumentException("version '" + s + "' does not start with a digit");
        }
        return new Version(epoch, v, revision);
    }

    @Override
    public int compareTo(Version o) {
        int c = Long.compare(epoch, o.epoch);
        if (c != 0) {
            return c;
        }
        c = compareParts(upstream, o.upstream);
        if (c != 0) {
            return c;
        }
        return compareParts(revision, o.revision);
    }

    /** dpkg's verrevcmp: alternating non-digit and digit runs. */
    static int compareParts(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() || j < b.length()) {
            int firstDiff = 0;
            while ((i < a.length() && !isDigit(a.charAt(i))) || (j < b.length() && !isDigit(b.charAt(j)))) {
                int ac = i < a.length() ? order(a.charAt(i)) : 0;
                int bc = j < b.length() ? order(b.charAt(j)) : 0;
                if (ac != bc) {
                    return Integer.compare(ac, bc);
                }
                i++;
                j++;
            }
            while (i < a.length() && a.charAt(i) == '0') {
                i++;
            }
            while (j < b.length() && b.charAt(j) == '0') {
                j++;
            }
            while (i < a.length() && isDigit(a.charAt(i)) && j < b.length() && isDigit(b.charAt(j))) {
                if (firstDiff == 0) {
                    firstDiff = a.charAt(i) - b.charAt(j);
                }
                i++;
                j++;
            }
            if (i < a.length() && isDigit(a.charAt(i))) {
                return 1;
            }
            if (j < b.length() && isDigit(b.charAt(j))) {
                return -1;
            }
            if (firstDiff != 0) {
                return Integer.signum(firstDiff);
            }
        }
        return 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** dpkg's order(): '~' before the end of the string, letters before everything else. */
    private static int order(char c) {
        if (isDigit(c)) {
            return 0;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            return c;
        }
        if (c == '~') {
            return -1;
        }
        return c + 256;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Version v && compareTo(v) == 0;
    }

    @Override
    public int hashCode() {
        // Equal versions may be spelled differently (1.0 vs 1.00, revision "" vs "0"); hash what compares.
        return Long.hashCode(epoch) * 31 + normalize(upstream).hashCode() * 17 + normalize(revision).hashCode();
    }

    private static String normalize(String s) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (isDigit(c)) {
                int j = i;
                while (j < s.length() && isDigit(s.charAt(j))) {
                    j++;
                }
                String digits = s.substring(i, j).replaceFirst("^0+", "");
                sb.append('#').append(digits);
                i = j;
            } else {
                sb.append(c);
                i++;
            }
        }
        String out = sb.toString();
        // Trailing zero runs compare equal to nothing.
        while (out.endsWith("#")) {
            out = out.substring(0, out.length() - 1);
        }
        return out;
    }

    @Override
    public String toString() {
        return (epoch != 0 ? epoch + ":" : "") + upstream + (revision.isEmpty() ? "" : "-" + revision);
    }
}
