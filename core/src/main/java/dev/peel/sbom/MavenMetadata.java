package dev.peel.sbom;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * The Maven coordinates a Java archive carries: the {@code META-INF/maven/<groupId>/<artifactId>/pom.properties}
 * that Maven's archiver writes into every jar, war and ear it builds. The manifest's Implementation-Title and
 * -Version are not read: they name no groupId, and the title is a display name, not an artifactId.
 */
final class MavenMetadata {
    private static final Pattern POM = Pattern.compile("META-INF/maven/([^/]+)/([^/]+)/pom\\.properties");
    /** More than any pom.properties Maven writes; what is beyond it is not read. */
    private static final int MAX_PROPERTIES = 64 * 1024;

    /** One pom.properties: its coordinates and the entry that holds them. */
    record Pom(String groupId, String artifactId, String version, String entry) {
    }

    private MavenMetadata() {
    }

    /** A path named like a Java archive: {@code .jar}, {@code .war} or {@code .ear}, in any case. */
    static boolean archive(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.endsWith(".jar") || p.endsWith(".war") || p.endsWith(".ear");
    }

    /**
     * The pom.properties of the zip {@code in} streams, sorted by entry; {@code in} is read up to the zip's last
     * entry and not closed. Empty when the bytes are not a zip peel can read: such a file is then just a file.
     * A pom.properties whose entry and content disagree on groupId or artifactId, lacks one of the three, or is
     * there twice with different content, is left out.
     */
    static List<Pom> scan(InputStream in) throws IOException {
        TreeMap<String, Pom> found = new TreeMap<>();
        Set<String> conflicting = new HashSet<>();
        ZipInputStream zip = new ZipInputStream(new FilterInputStream(in) {
            @Override
            public void close() {
                // The caller's stream: it still has to hash what follows the last entry.
            }
        });
        try {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                Matcher m = POM.matcher(e.getName());
                if (e.isDirectory() || !m.matches()) {
                    continue;
                }
                Pom p = pom(m.group(1), m.group(2), zip.readNBytes(MAX_PROPERTIES), e.getName());
                Pom before = found.get(e.getName());
                if ((before != null && !before.equals(p)) || conflicting.contains(e.getName())) {
                    conflicting.add(e.getName());
                    found.remove(e.getName());
                } else if (p != null) {
                    found.put(e.getName(), p);
                }
            }
        } catch (ZipException | EOFException | IllegalArgumentException e) {
            // Not a zip, a damaged one, or names that are not UTF-8: no metadata to trust.
            return List.of();
        } finally {
            zip.close();
        }
        return List.copyOf(found.values());
    }

    private static Pom pom(String groupDir, String artifactDir, byte[] bytes, String entry) throws IOException {
        Properties p = new Properties();
        try {
            p.load(new ByteArrayInputStream(bytes));
        } catch (IllegalArgumentException e) {
            return null;
        }
        String g = p.getProperty("groupId", "").strip();
        String a = p.getProperty("artifactId", "").strip();
        String v = p.getProperty("version", "").strip();
        if (g.isEmpty() || a.isEmpty() || v.isEmpty() || !g.equals(groupDir) || !a.equals(artifactDir)) {
            return null;
        }
        return new Pom(g, a, v, entry);
    }

    /**
     * The artifact an archive named {@code fileName} is: its only pom.properties; of several (a shaded jar), the one
     * the name matches best — {@code <artifactId>-<version>.jar}, then {@code <artifactId>-<version>-<classifier>.jar},
     * then {@code <artifactId>.jar} or {@code <artifactId>-….jar}, a longer artifactId before a shorter. Null when
     * there is none, or when the name matches none or two equally well: peel does not guess.
     */
    static Pom pick(List<Pom> poms, String fileName) {
        if (poms.size() == 1) {
            return poms.get(0);
        }
        String base = fileName.substring(fileName.lastIndexOf('/') + 1);
        int dot = base.lastIndexOf('.');
        base = dot > 0 ? base.substring(0, dot) : base;
        Pom best = null;
        long bestScore = 0;
        boolean tie = false;
        for (Pom p : poms) {
            long score = score(p, base);
            if (score > bestScore) {
                best = p;
                bestScore = score;
                tie = false;
            } else if (score == bestScore && score > 0 && !sameCoordinates(p, best)) {
                tie = true;
            }
        }
        return tie ? null : best;
    }

    private static long score(Pom p, String base) {
        String nv = p.artifactId() + "-" + p.version();
        int level;
        if (base.equals(nv)) {
            level = 3;
        } else if (base.startsWith(nv + "-")) {
            level = 2;
        } else if (base.equals(p.artifactId()) || base.startsWith(p.artifactId() + "-")) {
            level = 1;
        } else {
            return 0;
        }
        return (long) level << 32 | p.artifactId().length();
    }

    private static boolean sameCoordinates(Pom a, Pom b) {
        return a.groupId().equals(b.groupId()) && a.artifactId().equals(b.artifactId()) && a.version().equals(b.version());
    }

    /** The others of a shaded jar's pom.properties, for the record: what it embeds. */
    static List<Pom> others(List<Pom> poms, Pom chosen) {
        List<Pom> out = new ArrayList<>();
        for (Pom p : poms) {
            if (!sameCoordinates(p, chosen)) {
                out.add(p);
            }
        }
        return out;
    }
}
