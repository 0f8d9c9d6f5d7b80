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
    static final String FORMAT = "peel generated layer 1";
    static final String CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt";
    static final String OS_RELEASE = "usr/lib/os-release";

    private Generated() {
    }

    /** The packages a generation reads, by name (absent ones are an error when the layer is made). */
    static List<String> sources(Spec.Generate g) {
        List<String> out = new ArrayList<>();
        if (g.caBundle()) {
            out.add("ca-certificates");
        }
        if (g.osReleasePrettyName() != null) {
            out.add("base-files");
        }
        return out;
    }

    static String key(Spec.Generate g, Map<String, Lock.LockedPackage> from, MergedUsr usr, PathFilter filter, long epoch,
                      Compression c, int level) {
        StringBuilder k = new StringBuilder(FORMAT).append('\n').append(g.caBundle()).append('\n')
                .append(g.osReleasePrettyName()).append('\n');
        from.forEach((n, p) -> k.append(n).append(' ').append(p.sha256()).append('\n'));
        k.append(usr.key()).append('\n').append(filter.key()).append('\n').append(epoch).append('\n')
                .append(c.spelling()).append(' ').append(level);
        return Digest.of(k.toString().getBytes(StandardCharsets.UTF_8)).hex();
    }

    /** The cached layer for {@code key}, or null. */
    static BlobLayer cached(Cache cache, String key) {
        return cache.getDerived("generated-layer", key).map(b -> Listing.parse(b, key))
                .flatMap(l -> cache.file("blobs", l.digest().hex()).map(f -> l.toLayer(f).layer())).orElse(null);
    }

    /** Builds the layer from the packages' .debs ({@code debs}: name → verified file) and caches it. */
    static BlobLayer build(Cache cache, String key, Spec.Generate g, Map<String, Lock.LockedPackage> from,
                           Map<String, Path> debs, MergedUsr usr, PathFilter filter, long epoch, Compression c, int level)
            throws IOException {
        TreeMap<String, TarEntry> entries = new TreeMap<>();
        if (g.caBundle()) {
            Path deb = debs.get("ca-certificates");
            Map<String, byte[]> certs = files(deb, "ca-certificates", p -> p.startsWith("usr/share/ca-certificates/") && p.endsWith(".crt"));
            if (certs.isEmpty()) {
                throw new DebArchive.BadPackage("ca-certificates " + from.get("ca-certificates").version() + " holds no certificates");
            }
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
            statusSums(entries, deb, from.get("ca-certificates"), usr, filter, Map.of(CA_BUNDLE, bytes), epoch);
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
        Path stored = cache.file("blobs", blob.digest().hex()).orElseThrow(() -> new IOException("cache lost " + blob.digest()));
        BlobLayer l = new BlobLayer(stored, blob.digest(), blob.diffId(), blob.size(), blob.mediaType());
        cache.putDerived("generated-layer", key, new Listing("generated", "", "", "", "", l.digest(), l.diffId(), l.size(),
                l.mediaType().toString(), List.of(), key).bytes());
        return l;
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
