package dev.peel.sbom;

import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * An image's final file tree, read from its layers in order: whiteouts ({@code .wh.name}, {@code .wh..wh..opq})
 * delete what lower layers put there (never what their own layer holds), every regular file is hashed (SHA-256 and
 * SHA-1), a symlink's hashes are those of its target text, a hard link takes its target's. The bytes of the files
 * {@code keep} names are kept; a Java archive's Maven metadata is read as its bytes stream by.
 */
final class Tree {
    enum Kind { FILE, SYMLINK, OTHER }

    /**
     * One non-directory of the tree; {@code layer} is the index of the layer that put it there; {@code poms} the
     * Maven metadata of a regular file named like a Java archive, else null; {@code type}, {@code mode}, {@code uid}
     * and {@code gid} are its tar header's ({@code type} of a hard link is its target's).
     */
    record Node(String path, Kind kind, String link, String sha256, String sha1, long size, int layer, byte[] bytes,
                List<MavenMetadata.Pom> poms, char type, int mode, long uid, long gid) {
    }

    /** A directory of the tree: its mode and owner as the last layer that wrote it ({@code layer}) says. */
    record Dir(int mode, long uid, long gid, int layer) {
    }

    final TreeMap<String, Node> nodes = new TreeMap<>();
    final java.util.HashMap<String, Dir> dirs = new java.util.HashMap<>();

    static Tree read(Image image, Predicate<String> keep) throws IOException {
        Tree t = new Tree();
        List<Layer> layers = image.layers();
        for (int i = 0; i < layers.size(); i++) {
            t.apply(layers.get(i), i, keep);
        }
        return t;
    }

    private void apply(Layer layer, int index, Predicate<String> keep) throws IOException {
        TreeMap<String, Node> added = new TreeMap<>();
        java.util.HashMap<String, Dir> addedDirs = new java.util.HashMap<>();
        List<String> whiteouts = new ArrayList<>();
        List<String> opaque = new ArrayList<>();
        try (InputStream in = layer.openUncompressed(); TarReader r = new TarReader(new BufferedInputStream(in, 65536))) {
            for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                String p = h.path();
                if (p.isEmpty()) {
                    continue;
                }
                int slash = p.lastIndexOf('/');
                String base = p.substring(slash + 1);
                String dir = slash < 0 ? "" : p.substring(0, slash);
                if (base.equals(".wh..wh..opq")) {
                    opaque.add(dir);
                    continue;
                }
                if (base.startsWith(".wh.")) {
                    whiteouts.add((dir.isEmpty() ? "" : dir + "/") + base.substring(4));
                    continue;
                }
                if (h.isDirectory()) {
                    addedDirs.put(p, new Dir(h.mode(), h.uid(), h.gid(), index));
                    added.remove(p);
                    continue;
                }
                addedDirs.remove(p);
                Node n;
                if (h.isRegular()) {
                    n = hashed(p, Kind.FILE, null, r.data(), index, keep.test(p), h);
                } else if (h.type() == '2') {
                    n = hashed(p, Kind.SYMLINK, h.linkName(),
                            new java.io.ByteArrayInputStream(h.linkName().getBytes(StandardCharsets.UTF_8)), index, false, h);
                } else if (h.type() == '1') {
                    String target = dev.peel.tar.TarReader.cleanPath(h.linkName());
                    Node t = added.containsKey(target) ? added.get(target) : nodes.get(target);
                    if (t == null) {
                        throw new IOException("layer " + layer.digest() + ": hard link /" + p + " to /" + target + ", which is not there");
                    }
                    n = new Node(p, t.kind(), t.link(), t.sha256(), t.sha1(), t.size(), index, t.bytes(), t.poms(), t.type(),
                            h.mode(), h.uid(), h.gid());
                } else {
                    n = hashed(p, Kind.OTHER, null, InputStream.nullInputStream(), index, false, h);
                }
                added.put(p, n);
            }
        }
        for (String dir : opaque) {
            removeUnder(dir);
        }
        for (String gone : whiteouts) {
            nodes.remove(gone);
            dirs.remove(gone);
            removeUnder(gone);
        }
        for (java.util.Map.Entry<String, Dir> d : addedDirs.entrySet()) {
            nodes.remove(d.getKey());
            dirs.put(d.getKey(), d.getValue());
        }
        for (Node n : added.values()) {
            if (dirs.remove(n.path()) != null) {
                removeUnder(n.path());
            }
            nodes.put(n.path(), n);
        }
    }

    private void removeUnder(String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        if (prefix.isEmpty()) {
            nodes.clear();
            dirs.clear();
            return;
        }
        nodes.subMap(prefix, dir + "0").clear();
        dirs.keySet().removeIf(d -> d.startsWith(prefix));
    }

    private static Node hashed(String path, Kind kind, String link, InputStream in, int layer, boolean keep, TarReader.Header h)
            throws IOException {
        MessageDigest sha256 = digest("SHA-256");
        MessageDigest sha1 = digest("SHA-1");
        java.io.ByteArrayOutputStream kept = keep ? new java.io.ByteArrayOutputStream() : null;
        long[] size = {0};
        // Every byte read, by the zip reader or the drain below, is hashed (and kept) once, as it passes.
        InputStream seen = new java.io.FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    sha256.update((byte) b);
                    sha1.update((byte) b);
                    if (kept != null) {
                        kept.write(b);
                    }
                    size[0]++;
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) {
                    sha256.update(buf, off, n);
                    sha1.update(buf, off, n);
                    if (kept != null) {
                        kept.write(buf, off, n);
                    }
                    size[0] += n;
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                return n <= 0 ? 0 : Math.max(0, read(new byte[(int) Math.min(n, 65536)]));
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        };
        List<MavenMetadata.Pom> poms = kind == Kind.FILE && MavenMetadata.archive(path) ? MavenMetadata.scan(seen) : null;
        byte[] buf = new byte[65536];
        int n;
        do {
            // What is left (all of most files; a zip's central directory) is hashed by being read.
            n = seen.read(buf);
        } while (n >= 0);
        return new Node(path, kind, link, HexFormat.of().formatHex(sha256.digest()), HexFormat.of().formatHex(sha1.digest()), size[0],
                layer, kept == null ? null : kept.toByteArray(), poms, h.type(), h.mode(), h.uid(), h.gid());
    }

    private static MessageDigest digest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The node at {@code path} with every symlink on the way followed (the last one too), or null. */
    Node follow(String path) {
        String p = resolve(path, true);
        return p == null ? null : nodes.get(p);
    }

    /**
     * The path with symlinks among its components resolved (the last one only when {@code last}); null when a
     * link loops or leads out of what the tree can say.
     */
    String resolve(String path, boolean last) {
        List<String> done = new ArrayList<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(dev.peel.tar.TarReader.cleanPath(path).split("/")));
        int hops = 0;
        while (!todo.isEmpty()) {
            String c = todo.removeFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            done.add(c);
            String here = String.join("/", done);
            Node n = nodes.get(here);
            if (n != null && n.kind() == Kind.SYMLINK && (last || !todo.isEmpty())) {
                if (++hops > 40) {
                    return null;
                }
                done.remove(done.size() - 1);
                if (n.link().startsWith("/")) {
                    done.clear();
                }
                List<String> parts = List.of(n.link().split("/"));
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
            }
        }
        return String.join("/", done);
    }
}
