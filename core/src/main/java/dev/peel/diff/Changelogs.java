package dev.peel.diff;

import dev.peel.cache.Cache;
import dev.peel.debian.DebArchive;
import dev.peel.debian.Deb822;
import dev.peel.debian.Lock;
import dev.peel.debian.Version;
import dev.peel.tar.TarReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The Debian changelog entries between two versions of a package, read from the .debs in peel's cache
 * ({@code debs/sha256/<hex>}, where builds put every package they fetch). The cache is keyed by the .deb's SHA-256,
 * which an image does not record: a lock that names the package's version gives it; otherwise the cache's .debs are
 * indexed once by their control's Package, Version and Architecture (two different .debs under one such key are
 * ambiguous, and none is used). The one found is re-hashed against its name before it is read.
 */
public final class Changelogs {
    /** A changelog file larger than this (compressed, or once decompressed) is refused. */
    static final long MAX_COMPRESSED = 16L << 20;
    static final int MAX_TEXT = 64 << 20;
    private static final Pattern HEADER = Pattern.compile("^(\\S+) \\(([^()\\s]+)\\) [^;]*;.*$");

    /** One entry: its version and its text, from the header line to the maintainer's trailer line. */
    public record Entry(String version, String text) {
    }

    /**
     * What could be found: with {@code available}, the entries of the newer .deb newer than the older version (newest
     * first), and a {@code note} when they were read from another package's .deb; without, {@code note} says briefly
     * why not.
     */
    public record Changelog(boolean available, String note, List<Entry> entries) {
        public Changelog {
            entries = List.copyOf(entries);
        }

        static Changelog missing(String note) {
            return new Changelog(false, note, List.of());
        }
    }

    /** Two or more different .debs in the cache carry this key. */
    private static final String AMBIGUOUS = "";

    private final Cache cache;
    private final Map<String, String> locked = new HashMap<>();
    private Map<String, String> index;

    /** {@code cache} may be null: then no changelog is available. */
    public Changelogs(Cache cache) {
        this(cache, List.of());
    }

    /** With locks whose packages' SHA-256s name the .debs directly. */
    public Changelogs(Cache cache, List<Lock> locks) {
        this.cache = cache;
        for (Lock l : locks) {
            for (List<Lock.LockedPackage> ps : new java.util.TreeMap<>(l.archs()).values()) {
                for (Lock.LockedPackage p : ps) {
                    if (p.sha256() != null && p.sha256().matches("[0-9a-f]{64}")) {
                        locked.putIfAbsent(key(p.name(), p.version(), p.arch()), p.sha256());
                    }
                }
            }
        }
    }

    /** The entries between {@code oldVersion} and {@code newVersion} of {@code name:arch}, either way round. */
    public Changelog between(String name, String arch, String oldVersion, String newVersion) {
        Version from;
        Version to;
        try {
            from = Version.parse(oldVersion);
            to = Version.parse(newVersion);
        } catch (IllegalArgumentException e) {
            return Changelog.missing("a version is not a Debian version (" + e.getMessage() + ")");
        }
        boolean upgrade = to.compareTo(from) >= 0;
        String newer = upgrade ? newVersion : oldVersion;
        Version older = upgrade ? from : to;
        Path oldDeb = find(name, oldVersion, arch);
        Path newDeb = find(name, newVersion, arch);
        for (String v : List.of(oldVersion, newVersion)) {
            if (locked.get(key(name, v, arch)) == null && AMBIGUOUS.equals(index().get(key(name, v, arch)))) {
                return Changelog.missing("peel's cache holds several different .debs of " + name + " " + v + " (" + arch
                        + "); name the build's lock with --lock");
            }
        }
        if (oldDeb == null || newDeb == null) {
            List<String> missing = new ArrayList<>();
            if (oldDeb == null) {
                missing.add(oldVersion);
            }
            if (newDeb == null) {
                missing.add(newVersion);
            }
            return Changelog.missing("the .deb of " + String.join(" and ", missing) + " is not in peel's cache");
        }
        try {
            String[] docLink = new String[1];
            byte[] text = changelog(upgrade ? newDeb : oldDeb, name, newer, docLink);
            if (text == null && docLink[0] != null) {
                // Packages of one source often share one doc directory (libstdc++6 → gcc-12-base): the same version
                // of the package the link names carries the changelog, when the cache holds it.
                String other = docLink[0];
                Path otherDeb = other.matches("[a-z0-9][a-z0-9+.-]+") ? find(other, newer, arch) : null;
                if (otherDeb == null && other.matches("[a-z0-9][a-z0-9+.-]+")) {
                    otherDeb = find(other, newer, "all");
                }
                byte[] shared = otherDeb == null ? null : changelog(otherDeb, other, newer, new String[1]);
                if (shared == null) {
                    return Changelog.missing("in the .deb of " + newer + ", usr/share/doc/" + name + " is a symlink to " + other
                            + ", and no .deb of " + other + " " + newer + " with its changelog is in peel's cache");
                }
                return new Changelog(true, "from " + other + " " + newer + " (usr/share/doc/" + name + " links to it)",
                        newerThan(new String(shared, StandardCharsets.UTF_8), older));
            }
            if (text == null) {
                return Changelog.missing("the .deb of " + newer + " has no usr/share/doc/" + name + "/changelog.Debian.gz");
            }
            return new Changelog(true, null, newerThan(new String(text, StandardCharsets.UTF_8), older));
        } catch (IOException e) {
            return Changelog.missing(e.getMessage());
        }
    }

    /**
     * The changelog an image itself carries for each of {@code names} ({@code usr/share/doc/NAME/changelog.Debian.gz}
     * or {@code changelog.gz}, as the merged tree has it, decompressed), by name; a package whose file is absent, a
     * link, or too large is left out. Read in one pass over the layers.
     */
    static Map<String, byte[]> inImage(dev.peel.image.Image image, java.util.Set<String> names) throws IOException {
        Map<String, String> wanted = new HashMap<>();
        for (String n : names) {
            wanted.put("usr/share/doc/" + n + "/changelog.Debian.gz", n);
            wanted.put("usr/share/doc/" + n + "/changelog.gz", n);
        }
        java.util.TreeMap<String, TarReader.Header> tree = new java.util.TreeMap<>();
        Map<String, byte[]> found = new HashMap<>();
        for (dev.peel.image.Layer l : image.layers()) {
            dev.peel.image.LayerFiles.apply(l, tree, true, (h, r) -> {
                if (wanted.containsKey(h.path())) {
                    found.remove(h.path());
                    if (h.isRegular() && h.size() <= MAX_COMPRESSED) {
                        found.put(h.path(), r.data().readAllBytes());
                    }
                }
            });
        }
        Map<String, byte[]> out = new HashMap<>();
        for (String n : names) {
            for (String f : List.of("usr/share/doc/" + n + "/changelog.Debian.gz", "usr/share/doc/" + n + "/changelog.gz")) {
                byte[] gz = found.get(f);
                if (gz != null && tree.containsKey(f) && !out.containsKey(n)) {
                    try {
                        out.put(n, gunzip(gz, "/" + f));
                    } catch (IOException e) {
                        // A damaged changelog is none; the note says the .debs were not at hand.
                    }
                }
            }
        }
        return out;
    }

    /**
     * The entries of a changelog an image carries newer than {@code older}, or null when its newest entry is not
     * {@code newer} (a changelog of another version says nothing about this change).
     */
    static Changelog fromImage(byte[] text, String name, String older, String newer) {
        List<Entry> all;
        try {
            all = newerThan(new String(text, StandardCharsets.UTF_8), Version.parse(older));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (all.isEmpty() || !all.get(0).version().equals(newer)) {
            return null;
        }
        return new Changelog(true, "from the image's /usr/share/doc/" + name + " (the .debs were not at hand)", all);
    }

    /** The entries of a changelog's text newer than {@code older}, stopping at the first that is not. */
    static List<Entry> newerThan(String text, Version older) {
        List<Entry> out = new ArrayList<>();
        String version = null;
        StringBuilder entry = null;
        for (String line : text.split("\n", -1)) {
            Matcher m = HEADER.matcher(line);
            if (entry == null) {
                if (!m.matches()) {
                    continue;
                }
                Version v;
                try {
                    v = Version.parse(m.group(2));
                } catch (IllegalArgumentException e) {
                    break;
                }
                if (v.compareTo(older) <= 0) {
                    break;
                }
                version = m.group(2);
                entry = new StringBuilder(line).append('\n');
                continue;
            }
            entry.append(line).append('\n');
            if (line.startsWith(" -- ")) {
                out.add(new Entry(version, entry.toString().strip()));
                entry = null;
            }
        }
        if (entry != null) {
            out.add(new Entry(version, entry.toString().strip()));
        }
        return out;
    }

    /**
     * The decompressed changelog of package {@code name} in a .deb, or null when it has none as a regular file; then
     * {@code docLink[0]} is the target of its doc directory when that is a symlink.
     */
    private static byte[] changelog(Path deb, String name, String version, String[] docLink) throws IOException {
        String what = name + " " + version + " (" + deb.getFileName() + ")";
        DebArchive a = DebArchive.open(deb, what);
        List<String> wanted = List.of("usr/share/doc/" + name + "/changelog.Debian.gz", "usr/share/doc/" + name + "/changelog.gz");
        byte[] found = null;
        int rank = wanted.size();
        try (InputStream data = a.data(); TarReader r = new TarReader(data)) {
            for (TarReader.Header h = r.next(); h != null && rank > 0; h = r.next()) {
                if (h.type() == '2' && h.path().equals("usr/share/doc/" + name)) {
                    docLink[0] = h.linkName();
                }
                int i = wanted.indexOf(h.path());
                if (i < 0 || i >= rank || !h.isRegular()) {
                    continue;
                }
                if (h.size() > MAX_COMPRESSED) {
                    throw new IOException(what + ": " + h.path() + " is implausibly large (" + h.size() + " bytes)");
                }
                found = r.data().readAllBytes();
                rank = i;
            }
        }
        if (found == null) {
            return null;
        }
        return gunzip(found, what + ": " + wanted.get(rank));
    }

    /** A gzipped changelog's text, at most {@link #MAX_TEXT} bytes; {@code what} names it in errors. */
    private static byte[] gunzip(byte[] gz, String what) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                if (out.size() > MAX_TEXT) {
                    throw new IOException(what + " decompresses to more than " + MAX_TEXT + " bytes");
                }
            }
            return out.toByteArray();
        } catch (java.util.zip.ZipException e) {
            throw new IOException(what + " is not gzip: " + e.getMessage());
        }
    }

    /** The cached .deb of this package, verified against its name, or null. */
    private Path find(String name, String version, String arch) {
        if (cache == null) {
            return null;
        }
        String hex = locked.get(key(name, version, arch));
        if (hex != null) {
            Path p = cache.file("debs", hex).orElse(null);
            if (p != null) {
                return p;
            }
        }
        hex = index().get(key(name, version, arch));
        return hex == null || hex.equals(AMBIGUOUS) ? null : cache.file("debs", hex).orElse(null);
    }

    private static String key(String name, String version, String arch) {
        return name + " " + version + " " + arch;
    }

    private Map<String, String> index() {
        if (index != null) {
            return index;
        }
        index = new HashMap<>();
        if (cache == null) {
            return index;
        }
        Path dir = cache.root().resolve("debs").resolve("sha256");
        if (!Files.isDirectory(dir)) {
            return index;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String hex = f.getFileName().toString();
                if (!hex.matches("[0-9a-f]{64}") || !Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try {
                    byte[] control = DebArchive.open(f, "cached .deb " + hex).control().get("control");
                    List<Deb822.Stanza> s = Deb822.parse(control);
                    if (!s.isEmpty() && s.get(0).get("Package") != null && s.get(0).get("Version") != null) {
                        String arch = s.get(0).get("Architecture");
                        index.merge(key(s.get(0).get("Package").strip(), s.get(0).get("Version").strip(),
                                arch == null ? "all" : arch.strip()), hex, (x, y) -> AMBIGUOUS);
                    }
                } catch (IOException | Deb822.ParseException e) {
                    // A damaged or foreign entry is no package's .deb; a build would fetch that one again.
                }
            }
        } catch (IOException e) {
            // An unreadable cache holds no changelogs.
        }
        return index;
    }
}
