package dev.peel.tar;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects the entries of one layer: identical duplicates collapse, conflicting ones are an error naming
 * both origins, missing parent directories appear as 0755 root-owned, and {@link #entries()} is sorted by
 * path bytes (so a parent always precedes its children).
 */
public final class LayerTree {
    /** Two different entries for one path. */
    public static final class ConflictException extends Exception {
        private final String path;
        private final String firstOrigin;
        private final String secondOrigin;

        ConflictException(String path, String firstOrigin, String secondOrigin, String why) {
            super("/" + path + " is given twice with different " + why + ": by " + firstOrigin + " and by " + secondOrigin);
            this.path = path;
            this.firstOrigin = firstOrigin;
            this.secondOrigin = secondOrigin;
        }

        public String path() {
            return path;
        }

        public String firstOrigin() {
            return firstOrigin;
        }

        public String secondOrigin() {
            return secondOrigin;
        }
    }

    private final long parentMtime;
    private final java.util.function.Function<String, TarEntry> parents;
    private final Map<String, TarEntry> byPath = new HashMap<>();
    private final Map<String, String> origins = new HashMap<>();
    private final Map<String, Boolean> weak = new HashMap<>();

    /** @param parentMtime mtime of the parent directories this tree adds on its own */
    public LayerTree(long parentMtime) {
        this(parentMtime, p -> null);
    }

    /**
     * @param parents the entry for a parent directory this tree adds on its own, or null for 0755 root; on a
     *                base image, the base's own directory, so a layer above does not change its mode or owner
     */
    public LayerTree(long parentMtime, java.util.function.Function<String, TarEntry> parents) {
        this.parentMtime = parentMtime;
        this.parents = parents;
    }

    /** Adds an entry; {@code origin} says where it came from, for error messages. */
    public void add(TarEntry e, String origin) throws ConflictException, IOException {
        add(e, origin, false);
    }

    /**
     * Adds an entry that any explicitly added entry for the same path replaces silently (a generated home
     * directory the user also lists, for instance).
     */
    public void addDefault(TarEntry e, String origin) throws ConflictException, IOException {
        add(e, origin, true);
    }

    private void add(TarEntry e, String origin, boolean isDefault) throws ConflictException, IOException {
        TarEntry prior = byPath.get(e.path());
        if (prior != null) {
            boolean priorWeak = weak.get(e.path());
            if (isDefault && !priorWeak) {
                return;
            }
            if (!isDefault && priorWeak) {
                put(e, origin, false);
                return;
            }
            if (prior.sameAs(e)) {
                return;
            }
            String why = prior.type() != e.type() ? "types (" + kind(prior) + " and " + kind(e) + ")"
                    : prior.type() == TarEntry.Type.FILE && !Content.sameBytes(prior.content(), e.content()) ? "content"
                    : "attributes";
            throw new ConflictException(e.path(), origins.get(e.path()), origin, why);
        }
        put(e, origin, isDefault);
    }

    private void put(TarEntry e, String origin, boolean isDefault) {
        byPath.put(e.path(), e);
        origins.put(e.path(), origin);
        weak.put(e.path(), isDefault);
    }

    private static String kind(TarEntry e) {
        return e.type().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }

    /** True if nothing was added. */
    public boolean isEmpty() {
        return byPath.isEmpty();
    }

    /** Where the entry for a path came from, or null. */
    public String origin(String path) {
        return origins.get(path);
    }

    /**
     * The entries sorted by path, missing parents added. A parent that is not a directory, or a hardlink
     * to a path that is not a regular file of this layer, is a {@link ConflictException}.
     */
    public List<TarEntry> entries() throws ConflictException {
        TreeMap<String, TarEntry> all = new TreeMap<>(LayerTree::compareBytes);
        all.putAll(byPath);
        for (String p : byPath.keySet()) {
            String parent = TarPaths.parent(p);
            while (!parent.isEmpty()) {
                TarEntry existing = all.get(parent);
                if (existing == null) {
                    TarEntry given = parents.apply(parent);
                    all.put(parent, given != null ? given : TarEntry.directory(parent, 0755, 0, 0, parentMtime));
                } else if (existing.type() != TarEntry.Type.DIRECTORY) {
                    throw new ConflictException(parent, origins.getOrDefault(parent, "?"), origins.get(p),
                            "types (a " + kind(existing) + " is used as the parent directory of /" + p + ")");
                } else {
                    break;
                }
                parent = TarPaths.parent(parent);
            }
        }
        // A hardlink must follow the file it names; where sorting puts a link first, the first path in
        // order carries the content and the others link to it (the same inode either way).
        Map<String, List<String>> links = new TreeMap<>();
        for (TarEntry e : all.values()) {
            if (e.type() == TarEntry.Type.HARDLINK) {
                TarEntry target = all.get(e.linkTarget());
                if (target == null || target.type() != TarEntry.Type.FILE) {
                    throw new ConflictException(e.path(), origins.get(e.path()), origins.get(e.path()),
                            "targets (hardlink to /" + e.linkTarget() + ", which is not a regular file of this layer)");
                }
                links.computeIfAbsent(e.linkTarget(), k -> new ArrayList<>()).add(e.path());
            }
        }
        for (Map.Entry<String, List<String>> group : links.entrySet()) {
            String target = group.getKey();
            String first = target;
            for (String l : group.getValue()) {
                if (compareBytes(l, first) < 0) {
                    first = l;
                }
            }
            if (!first.equals(target)) {
                TarEntry file = all.get(target);
                all.put(first, file.withPath(first));
                all.put(target, TarEntry.hardlink(target, first, file.mode(), file.uid(), file.gid(), file.mtime()));
                for (String l : group.getValue()) {
                    if (!l.equals(first)) {
                        TarEntry link = all.get(l);
                        all.put(l, TarEntry.hardlink(l, first, link.mode(), link.uid(), link.gid(), link.mtime()));
                    }
                }
            }
        }
        return new ArrayList<>(all.values());
    }

    /** Orders paths by their UTF-8 bytes, as {@code tar --sort=name} under the C locale would compare names. */
    static int compareBytes(String a, String b) {
        byte[] x = a.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] y = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    }
}
