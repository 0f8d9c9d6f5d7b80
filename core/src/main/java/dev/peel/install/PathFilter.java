package dev.peel.install;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which package files are unpacked, as dpkg's {@code --path-exclude} and {@code --path-include} say:
 * globs matched against the absolute path ({@code *} matches '/' too, as fnmatch without FNM_PATHNAME);
 * a file matching an exclude is left out unless an include matches it too. Directories are always kept, and so is
 * a symlink on the way to an include: one whose path matches a proper prefix of an include's components
 * ({@code /usr/share/doc/libstdc++6 → gcc-12-base} for /usr/share/doc/&#42;/copyright), or the files the
 * include keeps would not be found through it.
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

    /** Whether a symlink at {@code path} is unpacked: as a file, or when it lies on the way to an include. */
    public boolean keepsSymlink(String path) {
        if (keeps(path)) {
            return true;
        }
        String[] parts = ("/" + path).split("/", -1);
        for (String g : include) {
            String[] globParts = g.split("/", -1);
            if (parts.length >= globParts.length) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < parts.length && all; i++) {
                all = matches(globParts[i], parts[i]);
            }
            if (all) {
                return true;
            }
        }
        return false;
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
