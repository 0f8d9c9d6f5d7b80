package dev.peel.tar;

import java.util.ArrayList;
import java.util.List;

/** Path rules shared by the writer, the tree builder and the spec: one normal form, no escapes. */
public final class TarPaths {
    private TarPaths() {
    }

    /** Why a normalized path is not acceptable, or null if it is. */
    public static String problem(String p) {
        if (p.isEmpty()) {
            return "empty path";
        }
        if (p.startsWith("/") || p.endsWith("/")) {
            return "path not normalized";
        }
        if (p.indexOf('\0') >= 0) {
            return "NUL in path";
        }
        for (String part : p.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return "path not normalized";
            }
        }
        return null;
    }

    /**
     * Normalizes an absolute or relative image path to the entry form ({@code /usr/bin/} → {@code usr/bin}),
     * resolving {@code .}; returns null if {@code ..} would climb above the root, and "" for the root itself.
     */
    public static String normalize(String p) {
        List<String> parts = new ArrayList<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    /**
     * As {@link #normalize}, but {@code ..} at the root stays at the root, as the kernel resolves it (a symlink's
     * target, a path inside a chroot): never null.
     */
    public static String clamped(String p) {
        List<String> parts = new ArrayList<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
            } else {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    /** The parent of a normalized path, or "" at the top. */
    public static String parent(String p) {
        int i = p.lastIndexOf('/');
        return i < 0 ? "" : p.substring(0, i);
    }
}
