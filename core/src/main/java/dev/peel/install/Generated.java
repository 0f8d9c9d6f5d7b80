package dev.peel.install;

import dev.peel.cache.Cache;
import dev.peel.debian.DebArchive;
import dev.peel.debian.Lock;
import dev.peel.image.BlobLayer;
import dev.peel.image.LayerWriter;
import dev.peel.oci.Digest;
import dev.peel.spec.Spec;
import dev.peel.tar.Compression;
import dev.peel.tar.Content;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Files the packages' maintainer scripts would make, made in Java for any arch: the CA bundle
 * update-ca-certificates writes, and base-files' os-release with another PRETTY_NAME. They go in one
 * layer above the packages, with the md5sums of the package each came from updated to list them, so a
 * scanner attributes every byte. Cached by its inputs like package layers.
 */
final class Generated {
    static final String FORMAT = "peel generated layer 2";
    static final String CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt";
    static final String JAVA_CACERTS = "etc/ssl/certs/java/cacerts";
    static final String LD_CACHE = "etc/ld.so.cache";
    static final String OS_RELEASE = "usr/lib/os-release";

    private Generated() {
    }

    /** The packages a generation reads, by name (absent ones are an error when the layer is made). */
    static List<String> sources(Spec.Generate g) {
        List<String> out = new ArrayList<>();
        if (g.caBundle() || g.javaCacerts()) {
            out.add("ca-certificates");
        }
        if (g.osReleasePrettyName() != null) {
            out.add("base-files");
        }
        return out;
    }

    static String key(Spec.Generate g, Map<String, Lock.LockedPackage> from, MergedUsr usr, PathFilter filter, long epoch,
                      Compression c, int level) {
        StringBuilder k = new StringBuilder(FORMAT).append('\n').append(g).append('\n');
        from.forEach((n, p) -> k.append(n).append(' ').append(p.sha256()).append('\n'));
        k.append(usr.key()).append('\n').append(filter.key()).append('\n').append(epoch).append('\n')
                .append(c.cacheKey(level));
        return Digest.of(k.toString().getBytes(StandardCharsets.UTF_8)).hex();
    }

    /** The cached layer for {@code key}, or null. */
    static BlobLayer cached(Cache cache, String key) {
        return Listing.cached(cache, "generated-layer", key).map(PackageLayer::layer).orElse(null);
    }

    /** Builds the layer from the packages' .debs ({@code debs}: name → verified file) and caches it. */
    static BlobLayer build(Cache cache, String key, Spec.Generate g, Map<String, Lock.LockedPackage> from,
                           Map<String, Path> debs, MergedUsr usr, PathFilter filter, long epoch, Compression c, int level)
            throws IOException {
        return build(cache, key, g, from, debs, Map.of(), java.util.Set.of(), null, usr, filter, epoch, c, level);
    }

    /**
     * As above; {@code scripts} are the set's postinst scripts by package (for alternatives) and
     * {@code paths} every path the package layers hold (an alternative is made only where its target is).
     */
    static BlobLayer build(Cache cache, String key, Spec.Generate g, Map<String, Lock.LockedPackage> from,
                           Map<String, Path> debs, Map<String, String> scripts, java.util.Set<String> paths, byte[] ldCache,
                           MergedUsr usr, PathFilter filter, long epoch, Compression c, int level) throws IOException {
        TreeMap<String, TarEntry> entries = new TreeMap<>();
        if (ldCache != null) {
            put(entries, LD_CACHE, ldCache, epoch);
            if (from.containsKey("libc-bin") && debs.containsKey("libc-bin")) {
                statusSums(entries, debs.get("libc-bin"), from.get("libc-bin"), usr, filter, Map.of(LD_CACHE, ldCache), epoch);
            }
        }
        Map<String, byte[]> certs = Map.of();
        if (g.caBundle() || g.javaCacerts()) {
            certs = files(debs.get("ca-certificates"), "ca-certificates",
                    p -> p.startsWith("usr/share/ca-certificates/") && p.endsWith(".crt"));
            if (certs.isEmpty()) {
                throw new DebArchive.BadPackage("ca-certificates " + from.get("ca-certificates").version() + " holds no certificates");
            }
        }
        Map<String, byte[]> fromCa = new TreeMap<>();
        if (g.javaCacerts()) {
            Map<String, byte[]> der = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, byte[]> e : certs.entrySet()) {
                String name = e.getKey().substring(e.getKey().lastIndexOf('/') + 1).replaceFirst("\\.crt$", ".pem");
                // update-ca-certificates' /etc/ssl/certs names; ca-certificates-java prefixes "debian:", keytool lower-cases.
                String alias = "debian:" + name.replace(' ', '_').replace('(', '=').replace(')', '=').replace(',', '_')
                        .toLowerCase(java.util.Locale.ROOT);
                der.put(alias, pemToDer(e.getValue(), e.getKey()));
            }
            byte[] store = JavaKeyStore.jks(der, epoch * 1000, "changeit");
            put(entries, JAVA_CACERTS, store, epoch);
            fromCa.put(JAVA_CACERTS, store);
        }
        if (g.caBundle()) {
            Path deb = debs.get("ca-certificates");
            // update-ca-certificates appends each certificate named in /etc/ca-certificates.conf (all of them,
            // sorted), adding a final newline where a file lacks one.
            StringBuilder bundle = new StringBuilder();
            for (byte[] pem : certs.values()) {
                String s = new String(pem, StandardCharsets.UTF_8);
                bundle.append(s);
                if (!s.endsWith("\n")) {
                    bundle.append('\n');
                }
            }
            byte[] bytes = bundle.toString().getBytes(StandardCharsets.UTF_8);
            put(entries, CA_BUNDLE, bytes, epoch);
            fromCa.put(CA_BUNDLE, bytes);
        }
        if (!fromCa.isEmpty()) {
            statusSums(entries, debs.get("ca-certificates"), from.get("ca-certificates"), usr, filter, fromCa, epoch);
        }
        if (g.alternatives()) {
            Map<String, Alternatives.Link> best = new TreeMap<>();
            List<Alternatives.Link> slaves = new ArrayList<>();
            for (Map.Entry<String, String> s : new TreeMap<>(scripts).entrySet()) {
                for (Alternatives.Link l : Alternatives.fromScript(s.getValue())) {
                    if (!paths.contains(usr.rewrite(l.path().substring(1)))) {
                        continue;
                    }
                    if (l.slave()) {
                        slaves.add(l);
                    } else if (!best.containsKey(l.name()) || best.get(l.name()).priority() < l.priority()) {
                        best.put(l.name(), l);
                    }
                }
            }
            List<Alternatives.Link> chosen = new ArrayList<>(best.values());
            for (Alternatives.Link s : slaves) {
                if (chosen.stream().anyMatch(m -> !m.slave() && m.priority() == s.priority())) {
                    chosen.add(s);
                }
            }
            for (Alternatives.Link l : chosen) {
                String link = usr.rewrite(l.link().substring(1));
                String alt = "etc/alternatives/" + l.name();
                entries.put(link, new TarEntry(link, TarEntry.Type.SYMLINK, 0777, 0, 0, "root", "root", epoch, "/" + alt, null, 0, 0));
                entries.put(alt, new TarEntry(alt, TarEntry.Type.SYMLINK, 0777, 0, 0, "root", "root", epoch, l.path(), null, 0, 0));
            }
        }
        if (g.osReleasePrettyName() != null) {
            Path deb = debs.get("base-files");
            Map<String, byte[]> f = files(deb, "base-files", p -> usr.rewrite(p).equals(OS_RELEASE));
            if (f.isEmpty()) {
                throw new DebArchive.BadPackage("base-files " + from.get("base-files").version() + " has no /" + OS_RELEASE);
            }
            StringBuilder out = new StringBuilder();
            boolean replaced = false;
            for (String line : new String(f.values().iterator().next(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("PRETTY_NAME=")) {
                    out.append("PRETTY_NAME=\"").append(g.osReleasePrettyName()).append("\"\n");
                    replaced = true;
                } else {
                    out.append(line).append('\n');
                }
            }
            if (!replaced) {
                out.insert(0, "PRETTY_NAME=\"" + g.osReleasePrettyName() + "\"\n");
            }
            byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
            put(entries, OS_RELEASE, bytes, epoch);
            statusSums(entries, deb, from.get("base-files"), usr, filter, Map.of(OS_RELEASE, bytes), epoch);
        }
        for (String path : new TreeSet<>(entries.keySet())) {
            for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
                String dir = path.substring(0, i);
                entries.putIfAbsent(dir, new TarEntry(dir, TarEntry.Type.DIRECTORY, 0755, 0, 0, "root", "root", epoch, null, null, 0, 0));
            }
        }
        List<TarEntry> list = new ArrayList<>(entries.values());
        BlobLayer blob = new LayerWriter(c, level).write(list, cache.dir("blobs"), n -> { });
        return Listing.keep(cache, "generated-layer", key, "generated", blob);
    }

    private static byte[] pemToDer(byte[] pem, String what) throws IOException {
        String s = new String(pem, StandardCharsets.US_ASCII);
        int b = s.indexOf("-----BEGIN CERTIFICATE-----");
        int e = s.indexOf("-----END CERTIFICATE-----");
        if (b < 0 || e < b) {
            throw new IOException(what + " is not a PEM certificate");
        }
        return java.util.Base64.getMimeDecoder().decode(s.substring(b + 27, e));
    }

    private static void put(TreeMap<String, TarEntry> entries, String path, byte[] bytes, long epoch) {
        entries.put(path, new TarEntry(path, TarEntry.Type.FILE, 0644, 0, 0, "root", "root", epoch, null, Content.ofBytes(bytes), 0, 0));
    }

    /** The package's md5sums as its layer has them, with the generated files' sums set (added or replaced). */
    private static void statusSums(TreeMap<String, TarEntry> entries, Path deb, Lock.LockedPackage p, MergedUsr usr,
                                   PathFilter filter, Map<String, byte[]> made, long epoch) throws IOException {
        byte[] shipped = DebArchive.open(deb, p.name() + " " + p.version()).control().get("md5sums");
        TreeMap<String, String> sums = new TreeMap<>();
        List<String> order = new ArrayList<>();
        if (shipped != null) {
            for (String line : new String(PackageLayer.md5sums(shipped, usr, filter), StandardCharsets.UTF_8).split("\n")) {
                int sep = line.indexOf("  ");
                if (sep > 0) {
                    order.add(line.substring(sep + 2));
                    sums.put(line.substring(sep + 2), line.substring(0, sep));
                }
            }
        }
        String path = PackageLayer.STATUS_DIR + "/" + p.name() + ".md5sums";
        TarEntry prior = entries.get(path);
        if (prior != null) {
            for (String line : new String(prior.content().open().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int sep = line.indexOf("  ");
                if (sep > 0) {
                    if (!sums.containsKey(line.substring(sep + 2))) {
                        order.add(line.substring(sep + 2));
                    }
                    sums.put(line.substring(sep + 2), line.substring(0, sep));
                }
            }
        }
        for (Map.Entry<String, byte[]> m : made.entrySet()) {
            if (!sums.containsKey(m.getKey())) {
                order.add(m.getKey());
            }
            sums.put(m.getKey(), md5(m.getValue()));
        }
        StringBuilder b = new StringBuilder();
        for (String f : order) {
            b.append(sums.get(f)).append("  ").append(f).append('\n');
        }
        put(entries, path, b.toString().getBytes(StandardCharsets.UTF_8), epoch);
    }

    private static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Regular files of a .deb's data.tar whose path matches, by path (sorted by bytes, as C's sort). */
    private static Map<String, byte[]> files(Path deb, String what, Predicate<String> wanted) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (InputStream in = DebArchive.open(deb, what).data(); TarReader r = new TarReader(in)) {
            for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                if (h.isRegular() && wanted.test(h.path())) {
                    out.put(h.path(), r.data().readAllBytes());
                }
            }
        }
        return out;
    }
}
