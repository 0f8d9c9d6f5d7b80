package dev.peel.check;

import dev.peel.image.Layer;
import dev.peel.image.LayerFiles;
import dev.peel.tar.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What the dynamic linker sees of a file tree made of layers: every path (whiteouts applied), the ELF
 * objects among the files a predicate names, and the ld.so.conf files' text. Read once, used by
 * {@link ElfCheck} and by the ld.so.cache generator.
 */
public record ElfTree(TreeMap<String, TarReader.Header> files, Map<String, Elf> elves, Map<String, String> conf) {
    private static final Pattern CONF = Pattern.compile("etc/ld\\.so\\.conf(\\.d/[^/]+)?");

    /**
     * Reads {@code layers} bottom to top; only files whose path {@code mayBeElf} accepts are parsed as ELF. The
     * layers are decompressed and parsed in parallel (the tail of a cold build waits on this), then applied in order.
     */
    public static ElfTree read(List<? extends Layer> layers, Predicate<String> mayBeElf) throws IOException {
        List<Tape> tapes;
        try {
            tapes = layers.parallelStream().map(l -> {
                try {
                    return Tape.of(l, mayBeElf);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        TreeMap<String, TarReader.Header> tree = new TreeMap<>();
        Map<String, Elf> elves = new HashMap<>();
        Map<String, TarReader.Header> elfHeaders = new HashMap<>();
        Map<String, String> conf = new HashMap<>();
        for (Tape t : tapes) {
            for (int i = 0; i < t.headers().size(); i++) {
                TarReader.Header h = t.headers().get(i);
                if (!LayerFiles.apply(tree, h, true)) {
                    continue;
                }
                elves.remove(h.path());
                Elf e = t.elves().get(i);
                if (e != null) {
                    elves.put(h.path(), e);
                    elfHeaders.put(h.path(), h);
                }
                String text = t.conf().get(i);
                if (text != null) {
                    conf.put(h.path(), text);
                }
            }
        }
        // A later layer may have deleted or replaced an object by a whiteout or a non-ELF file.
        elves.keySet().removeIf(p -> tree.get(p) != elfHeaders.get(p));
        conf.keySet().removeIf(p -> !tree.containsKey(p));
        return new ElfTree(tree, elves, conf);
    }

    /** One layer's entries in order, with the ELF objects and ld.so.conf texts among them (by entry index). */
    private record Tape(List<TarReader.Header> headers, Map<Integer, Elf> elves, Map<Integer, String> conf) {
        static Tape of(Layer l, Predicate<String> mayBeElf) throws IOException {
            Tape t = new Tape(new ArrayList<>(), new HashMap<>(), new HashMap<>());
            try (InputStream raw = l.openUncompressed();
                 TarReader r = new TarReader(new java.io.BufferedInputStream(raw, 65536))) {
                for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                    int i = t.headers().size();
                    t.headers().add(h);
                    if (!h.isRegular() || h.path().isEmpty()) {
                        continue;
                    }
                    InputStream in = r.data();
                    if (CONF.matcher(h.path()).matches()) {
                        t.conf().put(i, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                        continue;
                    }
                    if (h.size() < 52 || h.size() > Integer.MAX_VALUE - 16 || !mayBeElf.test(h.path())) {
                        continue;
                    }
                    byte[] head = in.readNBytes(4);
                    if (!Elf.isElf(head)) {
                        continue;
                    }
                    byte[] all = new byte[(int) h.size()];
                    System.arraycopy(head, 0, all, 0, 4);
                    in.readNBytes(all, 4, all.length - 4);
                    Elf e = Elf.parse(all);
                    if (e != null) {
                        t.elves().put(i, e);
                    }
                }
            }
            return t;
        }
    }

    /** The directories /etc/ld.so.conf names, its {@code include}s followed, in order (no leading '/'). */
    public List<String> confDirs() {
        List<String> dirs = new ArrayList<>();
        readConf("etc/ld.so.conf", dirs, 0);
        return dirs;
    }

    private void readConf(String path, List<String> dirs, int depth) {
        String real = ElfCheck.resolvePath(files, path);
        String text = real == null ? null : conf.get(real);
        if (text == null || depth > 8) {
            return;
        }
        for (String raw : text.split("\n")) {
            String line = raw.replaceFirst("#.*", "").strip();
            if (line.startsWith("include")) {
                String glob = line.substring(7).strip().replaceFirst("^/+", "");
                String dir = glob.contains("/") ? glob.substring(0, glob.lastIndexOf('/')) : "";
                Pattern re = Pattern.compile(Pattern.quote(glob.substring(glob.lastIndexOf('/') + 1))
                        .replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q"));
                for (String p : new ArrayList<>(files.subMap(dir + "/", dir + "0").keySet())) {
                    String name = p.substring(dir.length() + 1);
                    if (!name.contains("/") && re.matcher(name).matches()) {
                        readConf(p, dirs, depth + 1);
                    }
                }
            } else if (line.startsWith("/")) {
                dirs.add(line.split("\\s+")[0].replaceFirst("^/+", "").replaceFirst("/+$", ""));
            }
        }
    }
}
