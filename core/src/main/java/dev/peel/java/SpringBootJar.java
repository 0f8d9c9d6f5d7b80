package dev.peel.java;

import dev.peel.spec.Position;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.tar.Content;
import dev.peel.tar.LayerTree;
import dev.peel.tar.TarEntry;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * A Spring Boot executable jar laid out exploded under the app root, as Boot's own launcher runs it from a folder:
 * one layer per layer of its {@code BOOT-INF/layers.idx}, in that order. Only the zip is read; nothing in it runs.
 */
final class SpringBootJar {
    static final String LAYERS_INDEX = "BOOT-INF/layers.idx";
    static final String CLASSES = "BOOT-INF/classes/";
    static final String LIB = "BOOT-INF/lib/";
    static final String LOADER = "org/springframework/boot/loader/";

    private static final Pattern LAYER_LINE = Pattern.compile("- \"(.+)\":");
    private static final Pattern ENTRY_LINE = Pattern.compile(" {2}- \"(.+)\"");

    /** A layer of the jar: its name and which entry names it claims. */
    record IndexLayer(String name, Predicate<String> claims) {
        /** A layers.idx layer: a selector ending in '/' claims the names it starts, any other the one name it is. */
        static IndexLayer of(String name, List<String> selectors) {
            return new IndexLayer(name, entry -> selectors.stream()
                    .anyMatch(s -> s.endsWith("/") ? entry.startsWith(s) : entry.equals(s)));
        }
    }

    private SpringBootJar() {
    }

    /**
     * True when {@code zip} is a Spring Boot executable jar: it has {@code BOOT-INF/layers.idx}, or classes under
     * {@code BOOT-INF/classes/} and a manifest naming a {@code Start-Class}.
     */
    static boolean is(ZipFile zip, Manifest mf) {
        if (zip.getEntry(LAYERS_INDEX) != null) {
            return true;
        }
        if (mf == null || mf.getMainAttributes().getValue("Start-Class") == null) {
            return false;
        }
        for (ZipArchiveEntry e : Collections.list(zip.getEntries())) {
            if (e.getName().startsWith(CLASSES)) {
                return true;
            }
        }
        return false;
    }

    /** Opens a jar with the zip reader that keeps every central-directory entry (duplicate names included). */
    static ZipFile open(Path jar) throws IOException {
        return ZipFile.builder().setPath(jar).get();
    }

    /**
     * The application {@code java} describes when its jar is a Spring Boot jar ({@link #is}): its entries under the app
     * root, the layers of its index (empty ones left out), and Boot's launcher from the manifest as the main class.
     */
    /** Whether the jar at {@code path} is a Spring Boot jar ({@link #is}); false for one that cannot be read. */
    static boolean isBootJar(Path path) {
        try (ZipFile zip = open(path)) {
            Manifest mf;
            try (java.util.jar.JarFile j = new java.util.jar.JarFile(path.toFile())) {
                mf = j.getManifest();
            }
            return is(zip, mf);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Copies a Boot jar's {@code BOOT-INF/classes/} (as a folder) and {@code BOOT-INF/lib/*.jar} into {@code to}, for
     * jdeps, which does not look into nested jars; returns the folder and the jars, in the jar's order. Names are the
     * plan's (already checked: no absolute or {@code ..} name gets here), and checked again to stay inside {@code to}.
     */
    static List<Path> extractForJdeps(Path jar, Path to) throws IOException {
        Path classes = to.resolve("classes");
        Path lib = to.resolve("lib");
        List<Path> out = new ArrayList<>();
        boolean anyClass = false;
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile())) {
            java.util.Enumeration<? extends java.util.zip.ZipEntry> en = z.entries();
            int n = 0;
            while (en.hasMoreElements()) {
                java.util.zip.ZipEntry e = en.nextElement();
                String name = e.getName();
                Path dest;
                if (e.isDirectory()) {
                    continue;
                } else if (name.startsWith("BOOT-INF/classes/") && name.endsWith(".class")) {
                    dest = classes.resolve(name.substring("BOOT-INF/classes/".length())).normalize();
                    if (!dest.startsWith(classes)) {
                        throw new IOException("entry " + name + " leaves BOOT-INF/classes/");
                    }
                    anyClass = true;
                } else if (name.startsWith("BOOT-INF/lib/") && name.endsWith(".jar") && name.indexOf('/', 13) < 0) {
                    // Numbered: two libraries of one name in different folders cannot clash here.
                    dest = lib.resolve(String.format("%05d-%s", n++, name.substring(13)));
                    out.add(dest);
                } else {
                    continue;
                }
                Files.createDirectories(dest.getParent());
                try (InputStream in = z.getInputStream(e)) {
                    Files.copy(in, dest);
                }
            }
        }
        if (anyClass) {
            out.add(0, classes);
        }
        return out;
    }

    static JavaApp plan(Spec.Java java, ZipFile zip, Manifest mf, long mtime) throws SpecException, IOException {
        Spec.Located jar = java.jar();
        Position at = jar.at();
        String launcher = mf == null ? null : trimmed(mf.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS));
        String start = mf == null ? null : trimmed(mf.getMainAttributes().getValue("Start-Class"));
        if (launcher == null) {
            throw new SpecException(at, jar.path() + " is a Spring Boot jar, but its manifest names no Main-Class (Boot's launcher)",
                    "build it with spring-boot-maven-plugin's repackage goal or Gradle's bootJar");
        }
        if (start == null && launcher.endsWith(".JarLauncher")) {
            throw new SpecException(at, jar.path() + " is a Spring Boot jar, but its manifest names no Start-Class, which "
                    + launcher + " needs", "build it with spring-boot-maven-plugin's repackage goal or Gradle's bootJar");
        }
        if (!java.projectDependencies().isEmpty()) {
            throw new SpecException(java.projectDependencies().get(0).at(), "java.project-dependencies cannot go with "
                    + jar.path() + ": a Spring Boot jar holds its dependencies under BOOT-INF/lib/",
                    "remove project-dependencies; the Boot jar brings them");
        }
        if (java.mainClass() != null && !java.mainClass().equals(start) && !java.mainClass().equals(launcher)) {
            throw new SpecException(at, "java.main-class " + java.mainClass() + " cannot go with " + jar.path()
                    + ": it is a Spring Boot jar, whose launcher (" + launcher + ") runs the manifest's Start-Class ("
                    + (start == null ? "none" : start) + ")",
                    "remove java.main-class, or build the jar with that main class (spring-boot-maven-plugin's <mainClass>)");
        }

        Map<String, ZipArchiveEntry> entries = entries(jar, zip);
        if (!entries.containsKey(launcher.replace('.', '/') + ".class")) {
            throw new SpecException(at, jar.path() + ": the manifest's Main-Class " + launcher + " is not in the jar",
                    "a Spring Boot jar carries its launcher under " + LOADER);
        }
        List<IndexLayer> index = entries.containsKey(LAYERS_INDEX)
                ? parseIndex(jar, read(zip, entries.get(LAYERS_INDEX)))
                : defaultIndex();

        String root = java.appRoot().substring(1);
        List<LayerTree> trees = new ArrayList<>();
        for (int i = 0; i < index.size(); i++) {
            trees.add(new LayerTree(mtime));
        }
        for (Map.Entry<String, ZipArchiveEntry> en : entries.entrySet()) {
            String name = en.getKey();
            ZipArchiveEntry e = en.getValue();
            int layer = index.size() - 1;
            for (int i = 0; i < index.size(); i++) {
                if (index.get(i).claims().test(name)) {
                    layer = i;
                    break;
                }
            }
            String path = root + "/" + strip(name);
            TarEntry t = e.isDirectory() ? TarEntry.directory(path, 0755, 0, 0, mtime)
                    : TarEntry.file(path, 0644, 0, 0, mtime, content(jar.path(), e));
            try {
                trees.get(layer).add(t, jar.path() + "!/" + name);
            } catch (LayerTree.ConflictException c) {
                throw new SpecException(at, c.getMessage());
            } catch (IllegalArgumentException bad) {
                throw new SpecException(at, jar.path() + ": entry '" + name + "' cannot go in the image: " + bad.getMessage());
            }
        }
        List<JavaApp.AppLayer> layers = new ArrayList<>();
        for (int i = 0; i < index.size(); i++) {
            if (!trees.get(i).isEmpty()) {
                try {
                    layers.add(new JavaApp.AppLayer(index.get(i).name(), trees.get(i).entries()));
                } catch (LayerTree.ConflictException c) {
                    throw new SpecException(at, c.getMessage());
                }
            }
        }

        List<String> entrypoint = new ArrayList<>();
        entrypoint.add(java.runtime() != null && java.runtime().jlink() ? Jlink.JAVA : "/usr/bin/java");
        entrypoint.addAll(java.jvmFlags());
        entrypoint.addAll(List.of("-cp", java.appRoot(), launcher));
        return new JavaApp(List.copyOf(layers), List.of(java.appRoot()), launcher, List.copyOf(entrypoint), java.args());
    }

    /**
     * The jar's entries by name, in the jar's order. A name that could leave the app root or that a runtime would read
     * otherwise, a name given twice with different content, and a file that another entry uses as a folder are errors.
     */
    static Map<String, ZipArchiveEntry> entries(Spec.Located jar, ZipFile zip) throws SpecException, IOException {
        Map<String, ZipArchiveEntry> byName = new LinkedHashMap<>();
        Map<String, ZipArchiveEntry> byPath = new LinkedHashMap<>();
        for (ZipArchiveEntry e : Collections.list(zip.getEntries())) {
            String name = e.getName();
            String problem = badName(name);
            if (problem == null && e.getGeneralPurposeBit().usesEncryption()) {
                problem = "is encrypted";
            }
            if (problem == null && !e.isDirectory() && e.getMethod() != ZipEntry.STORED && e.getMethod() != ZipEntry.DEFLATED) {
                problem = "is compressed with zip method " + e.getMethod() + " (only stored and deflated entries can be read)";
            }
            if (problem != null) {
                throw new SpecException(jar.at(), jar.path() + ": entry '" + printable(name) + "' " + problem,
                        "rebuild the jar with the JDK's jar tool, Maven or Gradle");
            }
            String path = strip(name);
            ZipArchiveEntry prior = byPath.get(path);
            if (prior == null) {
                byPath.put(path, e);
                byName.put(name, e);
                continue;
            }
            if (prior.isDirectory() != e.isDirectory()) {
                throw new SpecException(jar.at(), jar.path() + ": entry '" + path + "' is both a file and a folder");
            }
            if (!e.isDirectory() && !sameBytes(zip, prior, e)) {
                throw new SpecException(jar.at(), jar.path() + ": entry '" + name + "' is given twice with different content",
                        "a zip entry name must be unique; rebuild the jar");
            }
        }
        for (String path : byPath.keySet()) {
            for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                ZipArchiveEntry parent = byPath.get(path.substring(0, slash));
                if (parent != null && !parent.isDirectory()) {
                    throw new SpecException(jar.at(), jar.path() + ": entry '" + parent.getName() + "' is a file, and entry '"
                            + byPath.get(path).getName() + "' uses it as a folder");
                }
            }
        }
        return byName;
    }

    /** Why a zip entry name cannot be a path under the app root, or null when it can. */
    static String badName(String name) {
        if (name.isEmpty()) {
            return "has an empty name";
        }
        if (name.startsWith("/")) {
            return "is an absolute name";
        }
        if (name.indexOf('\0') >= 0) {
            return "has a NUL character in its name";
        }
        for (String part : strip(name).split("/", -1)) {
            if (part.equals("..")) {
                return "has '..' in its name (it would leave the app root)";
            }
            if (part.isEmpty() || part.equals(".")) {
                return "has an empty or '.' part in its name";
            }
            if (part.startsWith(".wh.")) {
                return "has a part starting with '.wh.' (runtimes read it as a whiteout)";
            }
        }
        return null;
    }

    /**
     * Boot's layers.idx: lines {@code - "name":} start a layer, lines {@code   - "entry"} add to it; names are unique.
     * Anything else is an error naming the jar and the line.
     */
    static List<IndexLayer> parseIndex(Spec.Located jar, String text) throws SpecException {
        List<String> names = new ArrayList<>();
        Map<String, List<String>> layers = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            Matcher layer = LAYER_LINE.matcher(line);
            Matcher entry = ENTRY_LINE.matcher(line);
            String where = jar.path() + "!/" + LAYERS_INDEX + " line " + (i + 1);
            if (layer.matches()) {
                if (layers.putIfAbsent(layer.group(1), new ArrayList<>()) != null) {
                    throw new SpecException(jar.at(), where + ": layer \"" + layer.group(1) + "\" is given twice");
                }
                names.add(layer.group(1));
            } else if (entry.matches() && !names.isEmpty()) {
                layers.get(names.get(names.size() - 1)).add(entry.group(1));
            } else {
                throw new SpecException(jar.at(), where + ": '" + printable(line) + "' is neither a layer (- \"name\":) "
                        + (names.isEmpty() ? "" : "nor an entry (  - \"BOOT-INF/lib/\")"),
                        "layers.idx is written by spring-boot-maven-plugin or Gradle's bootJar; rebuild the jar");
            }
        }
        if (names.isEmpty()) {
            throw new SpecException(jar.at(), jar.path() + "!/" + LAYERS_INDEX + " names no layer");
        }
        List<IndexLayer> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : layers.entrySet()) {
            out.add(IndexLayer.of(e.getKey(), List.copyOf(e.getValue())));
        }
        return out;
    }

    /**
     * Boot's default layers for a jar without layers.idx: its libraries (the -SNAPSHOT ones apart), its loader, the rest.
     */
    static List<IndexLayer> defaultIndex() {
        Predicate<String> snapshot = n -> n.substring(LIB.length()).contains("-SNAPSHOT");
        return List.of(new IndexLayer("dependencies", n -> n.startsWith(LIB) && !snapshot.test(n)),
                new IndexLayer("spring-boot-loader", n -> n.startsWith(LOADER)),
                new IndexLayer("snapshot-dependencies", n -> n.startsWith(LIB) && snapshot.test(n)),
                new IndexLayer("application", n -> true));
    }

    private static String strip(String name) {
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }

    private static String trimmed(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }

    private static String read(ZipFile zip, ZipArchiveEntry e) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static boolean sameBytes(ZipFile zip, ZipArchiveEntry a, ZipArchiveEntry b) throws IOException {
        if (a.getSize() != b.getSize()) {
            return false;
        }
        try (InputStream x = zip.getInputStream(a); InputStream y = zip.getInputStream(b)) {
            byte[] bx = new byte[65536];
            byte[] by = new byte[65536];
            while (true) {
                int nx = x.readNBytes(bx, 0, bx.length);
                int ny = y.readNBytes(by, 0, by.length);
                if (nx != ny || !Arrays.equals(bx, 0, nx, by, 0, ny)) {
                    return false;
                }
                if (nx == 0) {
                    return true;
                }
            }
        }
    }

    /**
     * An entry's bytes read from the jar at its data offset when the layer is written, so no zip stays open and no
     * entry is held in memory; the size and CRC-32 the central directory gives are checked at the end.
     */
    static Content content(Path jar, ZipArchiveEntry e) {
        long offset = e.getDataOffset();
        long compressed = e.getCompressedSize();
        long size = e.getSize();
        long crc = e.getCrc();
        boolean deflated = e.getMethod() == ZipEntry.DEFLATED;
        String name = e.getName();
        return new Content() {
            private byte[] hash;

            @Override
            public long size() {
                return size;
            }

            @Override
            public InputStream open() throws IOException {
                FileChannel ch = FileChannel.open(jar, StandardOpenOption.READ);
                InputStream raw;
                try {
                    ch.position(offset);
                    raw = new dev.peel.io.Bounded(Channels.newInputStream(ch), compressed, "the jar ends inside an entry");
                } catch (IOException | RuntimeException x) {
                    ch.close();
                    throw x;
                }
                return new Checked(deflated ? new Inflating(raw) : raw, size, crc, jar + "!/" + name);
            }

            @Override
            public synchronized byte[] sha256() throws IOException {
                if (hash == null) {
                    hash = Content.super.sha256();
                }
                return hash.clone();
            }

            @Override
            public String toString() {
                return jar + "!/" + name;
            }
        };
    }

    /** Raw deflate; one dummy byte after the data, as zlib may ask for it without a zlib header (the JDK does so too). */
    private static final class Inflating extends InflaterInputStream {
        private boolean dummy;

        Inflating(InputStream in) {
            super(in, new Inflater(true), 65536);
        }

        @Override
        protected void fill() throws IOException {
            len = in.read(buf, 0, buf.length);
            if (len < 0) {
                if (dummy) {
                    throw new EOFException("a deflated entry ends early");
                }
                dummy = true;
                buf[0] = 0;
                len = 1;
            }
            inf.setInput(buf, 0, len);
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                inf.end();
            }
        }
    }

    /** Counts and checksums what passes; at the end, both must be the central directory's. */
    private static final class Checked extends FilterInputStream {
        private final long size;
        private final long crc;
        private final String what;
        private final CRC32 sum = new CRC32();
        private long count;

        Checked(InputStream in, long size, long crc, String what) {
            super(in);
            this.size = size;
            this.crc = crc;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0) {
                if (count != size || sum.getValue() != crc) {
                    throw new IOException(what + " does not match its size and CRC-32 in the jar's directory");
                }
                return -1;
            }
            sum.update(b, off, n);
            count += n;
            if (count > size) {
                throw new IOException(what + " is longer than the jar's directory says");
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            return Math.max(0, read(new byte[(int) Math.min(n, 65536)], 0, (int) Math.min(n, 65536)));
        }
    }
}
