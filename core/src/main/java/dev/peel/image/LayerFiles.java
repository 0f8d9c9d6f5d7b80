package dev.peel.image;

import dev.peel.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.TreeMap;

/** An image's file tree: its layers applied in order, whiteouts deleting what lower layers put there. */
public final class LayerFiles {
    /** Sees each entry as it is read, with its data readable from the reader. */
    public interface Visitor {
        void entry(TarReader.Header h, TarReader r) throws IOException;
    }

    private LayerFiles() {
    }

    /**
     * Applies one layer to {@code tree} (path → header); with {@code merge}, whiteouts ({@code .wh.name},
     * {@code .wh..wh..opq}) delete from the tree. {@code visitor} (may be null) sees every other entry.
     */
    public static void apply(Layer l, TreeMap<String, TarReader.Header> tree, boolean merge, Visitor visitor) throws IOException {
        try (InputStream in = l.openUncompressed(); TarReader r = new TarReader(new BufferedInputStream(in, 65536))) {
            TarReader.Header h;
            while ((h = r.next()) != null) {
                if (apply(tree, h, merge) && visitor != null) {
                    visitor.entry(h, r);
                }
            }
        }
    }

    /**
     * Applies one header of a layer to {@code tree}: a whiteout (with {@code merge}) deletes, any other entry is
     * put; true for an entry (not a whiteout, not the root).
     */
    public static boolean apply(TreeMap<String, TarReader.Header> tree, TarReader.Header h, boolean merge) {
        String p = h.path();
        if (p.isEmpty()) {
            return false;
        }
        String base = p.substring(p.lastIndexOf('/') + 1);
        if (merge && base.startsWith(".wh.")) {
            String dir = p.contains("/") ? p.substring(0, p.lastIndexOf('/')) : "";
            if (base.equals(".wh..wh..opq")) {
                if (dir.isEmpty()) {
                    tree.clear();
                } else {
                    tree.subMap(dir + "/", dir + "0").clear();
                }
            } else {
                String gone = (dir.isEmpty() ? "" : dir + "/") + base.substring(4);
                tree.remove(gone);
                tree.subMap(gone + "/", gone + "0").clear();
            }
            return false;
        }
        tree.put(p, h);
        return true;
    }
}
