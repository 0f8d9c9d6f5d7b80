package dev.peel.install;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which package files are unpacked, as dpkg's {@code --path-exclude} and {@code --path-include} say:
 * globs matched against the absolute path ({@code *} matches '/' too, as fnmatch without FNM_PATHNAME);
 * a file matching an exclude is left out unless an include matches it too. Directories are always kept.
 */
public record PathFilter(List<String> exclude, List<String> include) {
    public static final PathFilter ALL = new PathFilter(List.of(), List.of());

    public PathFilter {
        exclude = List.copyOf(exclude);
        include = List.copyOf(include);
    }

    /** Whether a file at {@code path} (normalized, no leading '/') is unpacked. */
    public boolean keeps(String path) {
        String abs = "/" + path;
        return exclude.stream().noneMatch(g -> matches(g, abs)) || include.stream().anyMatch(g -> matches(g, abs));
    }

    /** A stable text for cache keys. */
    public String key() {
        return exclude.isEmpty() ? "" : "-" + String.join("\u0000-", exclude) + "\u0000+" + String.join("\u0000+", include);
    }

    /** Globs compiled once: a filter is asked about every file of every package. */
    private static final java.util.Map<String, Pattern> COMPILED = new java.util.concurrent.ConcurrentHashMap<>();

    static boolean matches(String glob, String path) {
        return COMPILED.computeIfAbsent(glob, PathFilter::regex).matcher(path).matches();
    }

    private static Pattern regex(String glob) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> b.append(".*");
                case '?' -> b.append('.');
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        b.append("\\[");
                    } else {
                        String cls = glob.substring(i + 1, end);
                        b.append('[').append(cls.startsWith("!") ? "^" + cls.substring(1) : cls).append(']');
                        i = end;
                    }
                }
                case '\\' -> {
                    if (i + 1 < glob.length()) {
                        b.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                    }
                }
                default -> b.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(b.toString(), Pattern.DOTALL);
    }
}
