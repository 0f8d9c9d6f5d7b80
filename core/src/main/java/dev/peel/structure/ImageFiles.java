package dev.peel.structure;

import dev.peel.image.Layer;
import dev.peel.image.LayerFiles;
import dev.peel.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * An image's file system as a container sees it, read from the layers without unpacking them: the merged tree
 * (whiteouts applied) of headers, and a file's bytes read from the layer that last wrote it. Paths are resolved as the
 * kernel would inside the container, after cleaning the path lexically as container-structure-test does: symlinks
 * followed (an absolute target from the image's root, {@code ..} stopping there), a directory a deeper entry implies
 * counted as one. Errors read as Go's os errors do
 * ({@code lstat /x: no such file or directory}), since container-structure-test prints those.
 */
final class ImageFiles {
    private static final long MAX_READ = 256L * 1024 * 1024;
    private static final int MAX_LINKS = 40;

    private final List<? extends Layer> layers;
    private final TreeMap<String, TarReader.Header> tree;
    private final Map<String, Integer> layerOf;
    private final Map<String, byte[]> bytes = new HashMap<>();
    private final Map<String, TarReader.Header> bytesOf = new HashMap<>();

    private ImageFiles(List<? extends Layer> layers, TreeMap<String, TarReader.Header> tree, Map<String, Integer> layerOf) {
        this.layers = layers;
        this.tree = tree;
        this.layerOf = layerOf;
    }

    /**
     * Reads the layers bottom to top; the bytes of regular files whose path (no leading '/') {@code keep} accepts are
     * kept on the way, so reading them later costs no second pass.
     */
    static ImageFiles read(List<? extends Layer> layers, Predicate<String> keep) throws IOException {
        TreeMap<String, TarReader.Header> tree = new TreeMap<>();
        Map<String, Integer> layerOf = new HashMap<>();
        ImageFiles files = new ImageFiles(layers, tree, layerOf);
        for (int i = 0; i < layers.size(); i++) {
            int index = i;
            LayerFiles.apply(layers.get(i), tree, true, (h, r) -> {
                layerOf.put(h.path(), index);
                if (h.isRegular() && h.size() <= MAX_READ && keep.test(h.path())) {
                    files.bytes.put(h.path(), r.data().readAllBytes());
                    files.bytesOf.put(h.path(), h);
                }
            });
        }
        return files;
    }

    /** The entry a path names, its last component not followed (Go's os.Lstat); a hard link shows its file's header. */
    TarReader.Header lstat(String path) throws IOException {
        String at = resolve(path, false, "lstat");
        return header(at);
    }

    /** A regular file's bytes, symlinks followed (Go's os.ReadFile). */
    byte[] readFile(String path) throws IOException {
        String at = resolve(path, true, "open");
        TarReader.Header h = header(at);
        if (h.isDirectory()) {
            throw new IOException("read " + display(path) + ": is a directory");
        }
        if (!h.isRegular()) {
            throw new IOException("read " + display(path) + ": not a regular file");
        }
        return content(realFile(at));
    }

    /** The names in a directory, symlinks to it followed (Go's os.ReadDir), sorted. */
    List<String> readDir(String path) throws IOException {
        String at = resolve(path, true, "open");
        if (!header(at).isDirectory()) {
            throw new IOException("readdirent " + display(path) + ": not a directory");
        }
        String prefix = at.isEmpty() ? "" : at + "/";
        TreeSet<String> names = new TreeSet<>();
        for (String p : (prefix.isEmpty() ? tree : tree.subMap(prefix, at + "0")).keySet()) {
            if (p.isEmpty()) {
                continue;
            }
            String rest = p.substring(prefix.length());
            names.add(rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest);
        }
        return new ArrayList<>(names);
    }

    /** Loads the bytes of these files (symlinks followed) in one pass over each layer that holds any of them. */
    void prefetch(Collection<String> paths) throws IOException {
        Map<Integer, Map<Long, String>> wanted = new TreeMap<>();
        for (String p : paths) {
            String at;
            try {
                at = realFile(resolve(p, true, "open"));
            } catch (IOException e) {
                continue;
            }
            TarReader.Header h = tree.get(at);
            if (h == null || !h.isRegular() || bytesOf.get(at) == h || h.size() > MAX_READ || !layerOf.containsKey(at)) {
                continue;
            }
            wanted.computeIfAbsent(layerOf.get(at), k -> new HashMap<>()).put(h.offset(), at);
        }
        for (Map.Entry<Integer, Map<Long, String>> e : wanted.entrySet()) {
            scan(e.getKey(), e.getValue());
        }
    }

    private void scan(int layer, Map<Long, String> byOffset) throws IOException {
        try (InputStream in = layers.get(layer).openUncompressed();
             TarReader r = new TarReader(new BufferedInputStream(in, 65536))) {
            TarReader.Header h;
            while ((h = r.next()) != null) {
                String at = byOffset.get(h.offset());
                if (at != null && at.equals(h.path())) {
                    bytes.put(at, r.data().readAllBytes());
                    bytesOf.put(at, tree.get(at));
                }
            }
        }
    }

    private byte[] content(String at) throws IOException {
        TarReader.Header h = tree.get(at);
        if (h == null) {
            throw new IOException("open /" + at + ": no such file or directory");
        }
        if (h.size() > MAX_READ) {
            throw new IOException("read /" + at + ": " + h.size() + " bytes is more than peel test reads");
        }
        if (bytesOf.get(at) != h) {
            Integer layer = layerOf.get(at);
            if (layer == null) {
                throw new IOException("read /" + at + ": not found in any layer");
            }
            scan(layer, Map.of(h.offset(), at));
        }
        byte[] b = bytes.get(at);
        if (b == null || bytesOf.get(at) != h) {
            throw new IOException("read /" + at + ": not found in its layer");
        }
        return b;
    }

    /** The file a hard link names (the path itself for anything else). */
    private String realFile(String at) {
        String p = at;
        for (int i = 0; i < MAX_LINKS; i++) {
            TarReader.Header h = tree.get(p);
            if (h == null || h.type() != '1') {
                return p;
            }
            p = normalize(h.linkName());
        }
        return p;
    }

    private TarReader.Header header(String at) {
        TarReader.Header h = tree.get(at);
        if (h != null && h.type() == '1') {
            TarReader.Header file = tree.get(realFile(at));
            if (file != null) {
                return file;
            }
        }
        return h != null ? h : new TarReader.Header(at, '5', 0755, 0, 0, "", "", 0, 0, "", 0, 0, 0);
    }

    /** Whether a path is in the tree, or implied by a deeper entry (a layer may leave out parent directories). */
    private boolean exists(String at) {
        if (at.isEmpty() || tree.containsKey(at)) {
            return true;
        }
        String under = tree.ceilingKey(at + "/");
        return under != null && under.startsWith(at + "/");
    }

    /** The canonical path {@code path} names, symlinks followed (the last one only if {@code followLast}). */
    private String resolve(String path, boolean followLast, String op) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        // container-structure-test joins the path to the root with Go's filepath.Join, which cleans it lexically
        // first: /lib/../etc is /etc even where /lib is a symlink. A link's own target is resolved as the kernel does.
        for (String part : normalize(path).split("/")) {
            todo.addLast(part);
        }
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            String at = done.isEmpty() ? part : String.join("/", done) + "/" + part;
            if (!exists(at)) {
                throw new IOException(op + " " + display(path) + ": no such file or directory");
            }
            TarReader.Header h = tree.get(at);
            boolean last = todo.stream().allMatch(s -> s.isEmpty() || s.equals("."));
            if (h != null && h.type() == '2' && (!last || followLast)) {
                if (++links > MAX_LINKS) {
                    throw new IOException(op + " " + display(path) + ": too many levels of symbolic links");
                }
                String target = h.linkName();
                if (target.startsWith("/")) {
                    done.clear();
                }
                String[] parts = target.split("/");
                for (int i = parts.length - 1; i >= 0; i--) {
                    todo.addFirst(parts[i]);
                }
                continue;
            }
            if (!last && h != null && !h.isDirectory()) {
                throw new IOException(op + " " + display(path) + ": not a directory");
            }
            done.add(part);
        }
        return String.join("/", done);
    }

    private static String display(String path) {
        return path.startsWith("/") ? path : "/" + path;
    }

    private static String normalize(String p) {
        return dev.peel.tar.TarPaths.clamped(p);
    }
}
