package dev.peel.check;

import dev.peel.image.Image;
import dev.peel.tar.TarReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Proves an image's dynamic linking closes: every ELF file's interpreter and every DT_NEEDED library is
 * found inside the image, the way ld.so looks — RPATH (without RUNPATH), RUNPATH, the directories of
 * /etc/ld.so.conf (its includes followed), then the default ones (/lib, /usr/lib, /lib64, /usr/lib64 and the multiarch
 * directories) — following the image's symlinks, and only to objects of the same class and machine. A
 * library that none of those paths holds but that some object of the image names as its SONAME counts as
 * found too: that is how the JVM's libraries reach libjvm.so, which the launcher loads by full path.
 */
public final class ElfCheck {
    /** One need nothing in the image satisfies. */
    public record Missing(String path, String needed) {
        @Override
        public String toString() {
            return "/" + path + " needs " + needed + ", which is not in the image";
        }
    }

    /** What a check found: how many ELF objects it read and every unmet need. */
    public record Report(int objects, int needs, List<Missing> missing) {
        public boolean ok() {
            return missing.isEmpty();
        }
    }

    private ElfCheck() {
    }

    public static Report check(Image image) throws IOException {
        ElfTree t = ElfTree.read(image.layers(), p -> true);
        TreeMap<String, TarReader.Header> tree = t.files();
        Map<String, Elf> elves = t.elves();
        List<String> conf = t.confDirs();
        List<String> defaults = new ArrayList<>(conf);
        for (String d : tree.keySet()) {
            if (d.matches("(usr/)?lib/[^/]+-linux-gnu[^/]*") && tree.get(d).isDirectory()) {
                defaults.add(d);
            }
        }
        defaults.addAll(List.of("lib", "usr/lib", "lib64", "usr/lib64"));
        Map<String, Set<String>> sonames = new HashMap<>();
        elves.forEach((p, e) -> {
            sonames.computeIfAbsent(e.soname() != null ? e.soname() : p.substring(p.lastIndexOf('/') + 1), k -> new LinkedHashSet<>()).add(p);
        });
        List<Missing> missing = new ArrayList<>();
        int needs = 0;
        for (String path : new TreeMap<>(elves).keySet()) {
            Elf e = elves.get(path);
            String origin = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
            if (e.interpreter() != null) {
                needs++;
                String interp = resolve(tree, e.interpreter().replaceFirst("^/+", ""), 0);
                if (interp == null || !compatible(elves.get(interp), e)) {
                    missing.add(new Missing(path, e.interpreter()));
                }
            }
            for (String n : e.needed()) {
                needs++;
                List<String> dirs = new ArrayList<>();
                if (e.runpath() == null && e.rpath() != null) {
                    dirs.addAll(paths(e.rpath(), origin));
                }
                if (e.runpath() != null) {
                    dirs.addAll(paths(e.runpath(), origin));
                }
                dirs.addAll(defaults);
                boolean found = false;
                if (n.contains("/")) {
                    String r = resolve(tree, n.startsWith("/") ? n.substring(1) : normalize(origin + "/" + n), 0);
                    found = r != null && compatible(elves.get(r), e);
                }
                for (String d : dirs) {
                    if (found) {
                        break;
                    }
                    String r = resolve(tree, normalize(d + "/" + n), 0);
                    found = r != null && compatible(elves.get(r), e);
                }
                if (!found) {
                    found = sonames.getOrDefault(n, Set.of()).stream().anyMatch(p -> compatible(elves.get(p), e));
                }
                if (!found) {
                    missing.add(new Missing(path, n));
                }
            }
        }
        return new Report(elves.size(), needs, missing);
    }

    private static boolean compatible(Elf lib, Elf user) {
        return lib != null && lib.elfClass() == user.elfClass() && lib.machine() == user.machine()
                && lib.bigEndian() == user.bigEndian();
    }

    private static List<String> paths(String list, String origin) {
        List<String> out = new ArrayList<>();
        for (String p : list.split(":")) {
            if (p.isEmpty()) {
                continue;
            }
            String d = p.replace("${ORIGIN}", "/" + origin).replace("$ORIGIN", "/" + origin);
            out.add(normalize(d.startsWith("/") ? d.substring(1) : origin + "/" + d));
        }
        return out;
    }

    /** The regular file a path leads to through the image's symlinks, or null. */
    public static String resolvePath(TreeMap<String, TarReader.Header> tree, String path) {
        return resolve(tree, path, 0);
    }

    /** The directory a path leads to through the image's symlinks (its canonical path), or null. */
    public static String resolveDir(TreeMap<String, TarReader.Header> tree, String path) {
        String r = walk(tree, path, 0);
        return r != null && (r.isEmpty() || tree.containsKey(r) && tree.get(r).isDirectory()) ? r : null;
    }

    static String resolve(TreeMap<String, TarReader.Header> tree, String path, int depth) {
        String at = walk(tree, path, depth);
        TarReader.Header last = at == null ? null : tree.get(at);
        return last != null && last.isRegular() ? at : null;
    }

    /** The canonical path a path names, symlinks followed, or null when a part is missing. */
    private static String walk(TreeMap<String, TarReader.Header> tree, String path, int depth) {
        if (depth > 40) {
            return null;
        }
        String[] parts = path.split("/");
        String at = "";
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty() || parts[i].equals(".")) {
                continue;
            }
            String next = parts[i].equals("..") ? (at.contains("/") ? at.substring(0, at.lastIndexOf('/')) : "")
                    : at.isEmpty() ? parts[i] : at + "/" + parts[i];
            TarReader.Header h = tree.get(next);
            if (h != null && h.type() == '2') {
                String target = h.linkName();
                String dir = next.contains("/") ? next.substring(0, next.lastIndexOf('/')) : "";
                String base = target.startsWith("/") ? target.substring(1) : (dir.isEmpty() ? "" : dir + "/") + target;
                StringBuilder rest = new StringBuilder(normalize(base));
                for (int j = i + 1; j < parts.length; j++) {
                    rest.append('/').append(parts[j]);
                }
                return walk(tree, rest.toString(), depth + 1);
            }
            if (h != null && h.type() == '1') {
                next = normalize(h.linkName().replaceFirst("^\\./", "").replaceFirst("^/+", ""));
                h = tree.get(next);
            }
            if (h == null && !next.isEmpty()) {
                return null;
            }
            at = next;
        }
        return at;
    }

    static String normalize(String p) {
        return dev.peel.tar.TarPaths.clamped(p);
    }
}
