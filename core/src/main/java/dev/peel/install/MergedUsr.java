package dev.peel.install;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The merged-/usr aliases of an image: top-level symlinks such as {@code bin → usr/bin} that the package
 * set's base-files ships (trixie and later). Other packages' paths under an alias are rewritten to the
 * real directory, as dpkg would land them through the symlink; where base-files ships real directories
 * (bookworm) there are no aliases and nothing changes.
 */
public final class MergedUsr {
    /** No aliases: paths stay as packages ship them. */
    public static final MergedUsr NONE = new MergedUsr(Map.of());

    private final Map<String, String> aliases;

    private MergedUsr(Map<String, String> aliases) {
        this.aliases = Map.copyOf(aliases);
    }

    /** alias → real directory, e.g. {@code bin → usr/bin}. */
    public Map<String, String> aliases() {
        return new TreeMap<>(aliases);
    }

    public boolean isEmpty() {
        return aliases.isEmpty();
    }

    /** The aliases among a base-files data.tar's top-level symlinks ({@code name → target}). */
    public static MergedUsr of(Map<String, String> topLevelSymlinks) {
        Map<String, String> m = new TreeMap<>();
        topLevelSymlinks.forEach((name, target) -> {
            String t = target.startsWith("/") ? target.substring(1) : target;
            if (!name.contains("/") && t.equals("usr/" + name)) {
                m.put(name, t);
            }
        });
        return new MergedUsr(m);
    }

    /** A stable text for cache keys. */
    public String key() {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(aliases).forEach((k, v) -> b.append(k).append("->").append(v).append(';'));
        return b.toString();
    }

    /** The alias a path is, or lies under; null if none. */
    public String aliasOf(String path) {
        int slash = path.indexOf('/');
        String first = slash < 0 ? path : path.substring(0, slash);
        return aliases.containsKey(first) ? first : null;
    }

    /** {@code bin/ls → usr/bin/ls}; other paths unchanged. {@code path} is normalized (no leading "./"). */
    public String rewrite(String path) {
        int slash = path.indexOf('/');
        String first = slash < 0 ? path : path.substring(0, slash);
        String real = aliases.get(first);
        return real == null ? path : slash < 0 ? real : real + path.substring(slash);
    }

    /**
     * A relative symlink target, made right for the link's new place: resolved from where the package put
     * the link, then expressed from where it lands. Absolute targets resolve through the aliases anyway.
     */
    public String relink(String oldPath, String newPath, String target) {
        if (target.startsWith("/") || oldPath.equals(newPath)) {
            return target;
        }
        List<String> at = parts(parent(oldPath));
        for (String seg : target.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (at.isEmpty()) {
                    return target;
                }
                at.remove(at.size() - 1);
            } else {
                at.add(seg);
            }
        }
        List<String> to = parts(rewrite(String.join("/", at)));
        List<String> from = parts(parent(newPath));
        int common = 0;
        while (common < from.size() && common < to.size() && from.get(common).equals(to.get(common))) {
            common++;
        }
        StringBuilder b = new StringBuilder();
        for (int i = common; i < from.size(); i++) {
            b.append("../");
        }
        b.append(String.join("/", to.subList(common, to.size())));
        String r = b.toString();
        if (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r.isEmpty() ? "." : r;
    }

    private static String parent(String p) {
        int i = p.lastIndexOf('/');
        return i < 0 ? "" : p.substring(0, i);
    }

    private static List<String> parts(String p) {
        List<String> out = new ArrayList<>();
        for (String s : p.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
