package dev.peel.install;

import dev.peel.cache.Cache;
import dev.peel.debian.DebArchive;
import dev.peel.debian.Lock;
import dev.peel.image.BlobLayer;
import dev.peel.image.LayerWriter;
import dev.peel.oci.Digest;
import dev.peel.tar.Compression;
import dev.peel.tar.Content;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarReader;
import dev.peel.tar.TarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * One package's layer: its data.tar entries exactly as packed (types, modes incl. setuid, owners, link
 * targets; mtimes clamped to the build's epoch; merged-/usr paths rewritten), then
 * {@code var/lib/dpkg/status.d/<name>} (its control file, with the {@code Status} line dpkg's database
 * carries) and {@code <name>.md5sums} (the package's, or computed as dpkg does when it ships none). Built once per input and kept in the cache with a listing of its
 * entries, so a warm build reads neither the .deb nor compresses anything.
 */
public record PackageLayer(String name, String version, String arch, String source, String replaces, BlobLayer layer,
                           List<Listing.Entry> entries, String key) {
    static final String FORMAT = "peel package layer 3";
    public static final String STATUS_DIR = "var/lib/dpkg/status.d";

    /** The cache key of a package's layer: its .deb, the aliases, the epoch and the compression. */
    public static String key(String debSha256, MergedUsr usr, PathFilter filter, long epoch, Compression c, int level) {
        return Digest.of((FORMAT + "\n" + debSha256 + "\n" + usr.key() + "\n" + filter.key() + "\n" + epoch + "\n"
                + c.cacheKey(level) + "\n").getBytes(StandardCharsets.UTF_8)).hex();
    }

    /** The cached layer for this key, if both its listing and its blob are intact. */
    static PackageLayer cached(Cache cache, String key) {
        return Listing.cached(cache, "pkg-layer", key).orElse(null);
    }

    /** Builds the layer of {@code deb} (already verified against the lock) and caches it. */
    static PackageLayer build(Cache cache, Path deb, Lock.LockedPackage p, MergedUsr usr, long epoch, Compression c,
                              int level, LongConsumer progress) throws IOException {
        return build(cache, deb, p, usr, PathFilter.ALL, epoch, c, level, progress);
    }

    static PackageLayer build(Cache cache, Path deb, Lock.LockedPackage p, MergedUsr usr, PathFilter filter, long epoch,
                              Compression c, int level, LongConsumer progress) throws IOException {
        String what = p.name() + " " + p.version() + " (" + p.arch() + ")";
        DebArchive a = DebArchive.open(deb, what);
        var control = a.control();
        byte[] controlFile = control.get("control");
        dev.peel.debian.Deb822.Stanza stanza;
        try {
            var stanzas = dev.peel.debian.Deb822.parse(controlFile);
            if (stanzas.size() != 1) {
                throw new DebArchive.BadPackage(what + ": its control file holds " + stanzas.size() + " stanzas");
            }
            stanza = stanzas.get(0);
        } catch (dev.peel.debian.Deb822.ParseException e) {
            throw new DebArchive.BadPackage(what + ": unreadable control file: " + e.getMessage());
        }
        if (!p.name().equals(stanza.get("Package")) || !p.version().equals(stanza.get("Version"))) {
            throw new DebArchive.BadPackage(what + ": the .deb says it is " + stanza.get("Package") + " "
                    + stanza.get("Version"));
        }
        List<Listing.Entry> entries = new ArrayList<>();
        Set<String> written = new HashSet<>();
        byte[] shippedSums = control.get("md5sums");
        // dpkg computes md5sums at unpack time for packages that ship none: so does peel.
        StringBuilder sums = shippedSums == null ? new StringBuilder() : null;
        BlobLayer blob = new LayerWriter(c, level).write(w -> {
            try (InputStream data = a.data(); TarReader r = new TarReader(data)) {
                for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                    TarEntry e = entry(h, r, usr, epoch, what);
                    if (e == null || (e.type() == TarEntry.Type.SYMLINK ? !filter.keepsSymlink(e.path())
                            : e.type() != TarEntry.Type.DIRECTORY && !filter.keeps(e.path()))) {
                        continue;
                    }
                    if (!written.add(e.path())) {
                        throw new DebArchive.BadPackage(what + ": data.tar holds /" + e.path() + " twice");
                    }
                    Hashing hashing = e.type() == TarEntry.Type.FILE ? (Hashing) e.content() : null;
                    if (hashing != null && sums != null) {
                        hashing.alsoMd5();
                    }
                    w.write(e);
                    if (hashing != null && sums != null) {
                        sums.append(hashing.md5Hex()).append("  ").append(e.path()).append('\n');
                    }
                    entries.add(new Listing.Entry(e.path(), e.type(), e.mode(), e.uid(), e.gid(), e.size(),
                            hashing != null ? hashing.hex() : e.linkTarget() == null ? "" : e.linkTarget()));
                }
            }
            String[] dirs = {"var", "var/lib", "var/lib/dpkg", STATUS_DIR};
            for (String d : dirs) {
                if (written.add(d)) {
                    w.write(new TarEntry(d, TarEntry.Type.DIRECTORY, 0755, 0, 0, "root", "root", epoch, null, null, 0, 0));
                    entries.add(new Listing.Entry(d, TarEntry.Type.DIRECTORY, 0755, 0, 0, 0, ""));
                }
            }
            status(w, STATUS_DIR + "/" + p.name(), statusText(controlFile), epoch, entries, written, what);
            byte[] md5 = shippedSums != null ? md5sums(shippedSums, usr, filter) : sums.toString().getBytes(StandardCharsets.UTF_8);
            if (md5.length > 0) {
                status(w, STATUS_DIR + "/" + p.name() + ".md5sums", md5, epoch, entries, written, what);
            }
        }, cache.dir("blobs"), progress);
        String replaces = stanza.get("Replaces") == null ? "" : stanza.get("Replaces");
        // The blob was written into the cache's blob folder under its digest: no need to hash it again.
        PackageLayer built = new PackageLayer(p.name(), p.version(), p.arch(), p.source(), replaces, blob, List.copyOf(entries),
                key(p.sha256(), usr, filter, epoch, c, level));
        cache.putDerived("pkg-layer", built.key(), Listing.of(built).bytes());
        return built;
    }

    private static void status(TarWriter w, String path, byte[] bytes, long epoch, List<Listing.Entry> entries,
                               Set<String> written, String what) throws IOException {
        if (!written.add(path)) {
            throw new DebArchive.BadPackage(what + ": the package itself ships /" + path);
        }
        w.write(new TarEntry(path, TarEntry.Type.FILE, 0644, 0, 0, "root", "root", epoch, null, Content.ofBytes(bytes), 0, 0));
        entries.add(new Listing.Entry(path, TarEntry.Type.FILE, 0644, 0, 0, bytes.length,
                HexFormat.of().formatHex(Digest.sha256().digest(bytes))));
    }

    /**
     * The control file as dpkg's status database holds it: verbatim, with {@code Status: install ok
     * installed} after the Package line (without it {@code dpkg-query} lists nothing), ending in a newline.
     */
    static byte[] statusText(byte[] control) {
        String c = new String(control, StandardCharsets.UTF_8);
        if (!c.endsWith("\n")) {
            c += "\n";
        }
        int nl = c.indexOf('\n');
        return (c.substring(0, nl + 1) + "Status: install ok installed\n" + c.substring(nl + 1)).getBytes(StandardCharsets.UTF_8);
    }

    /** md5sums with the merged-/usr rewriting applied to its paths, and the files left out not listed. */
    static byte[] md5sums(byte[] sums, MergedUsr usr, PathFilter filter) {
        if (usr.isEmpty() && filter.exclude().isEmpty()) {
            return sums;
        }
        StringBuilder b = new StringBuilder();
        for (String line : new String(sums, StandardCharsets.UTF_8).split("\n", -1)) {
            int sep = line.indexOf("  ");
            if (sep > 0) {
                String path = line.substring(sep + 2);
                String moved = usr.rewrite(path.startsWith("./") ? path.substring(2) : path);
                if (!filter.keeps(moved)) {
                    continue;
                }
                b.append(line, 0, sep + 2).append(moved);
            } else {
                b.append(line);
            }
            b.append('\n');
        }
        b.setLength(b.length() - 1);
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A data.tar header as a layer entry, or null for entries the layer leaves out. */
    private static TarEntry entry(TarReader.Header h, TarReader r, MergedUsr usr, long epoch, String what) throws IOException {
        String original = h.path();
        if (original.isEmpty()) {
            return null;
        }
        String problem = dev.peel.tar.TarPaths.problem(original);
        if (problem != null) {
            throw new DebArchive.BadPackage(what + ": data.tar entry " + h.name() + ": " + problem);
        }
        String alias = usr.aliasOf(original);
        if (alias != null && original.equals(alias)) {
            if (h.isDirectory()) {
                return null;
            }
            if (h.type() == '2' && usr.rewrite(alias).equals(h.linkName().replaceFirst("^/", ""))) {
                return toEntry(h, r, original, h.linkName(), epoch, what);
            }
            throw new DebArchive.BadPackage(what + " ships /" + alias + " as a " + kind(h.type()) + ", which would replace"
                    + " the merged-/usr symlink /" + alias + " → " + usr.rewrite(alias));
        }
        String path = usr.rewrite(original);
        String link = h.linkName();
        if (h.type() == '1') {
            String t = link;
            while (t.startsWith("./")) {
                t = t.substring(2);
            }
            t = t.replaceFirst("^/+", "");
            link = usr.rewrite(t);
        } else if (h.type() == '2') {
            link = usr.relink(original, path, link);
        }
        return toEntry(h, r, path, link, epoch, what);
    }

    private static TarEntry toEntry(TarReader.Header h, TarReader r, String path, String link, long epoch, String what)
            throws IOException {
        TarEntry.Type type = TarEntry.Type.ofFlag(h.type());
        if (type == null) {
            throw new DebArchive.BadPackage(what + ": data.tar entry " + h.name() + " has type '" + h.type()
                    + "', which dpkg does not unpack either");
        }
        return TarEntry.of(h, type, path, link, Math.min(h.mtime(), epoch), type == TarEntry.Type.FILE ? new Hashing(r, h.size()) : null);
    }

    private static String kind(char type) {
        return switch (type) {
            case '5' -> "directory";
            case '2' -> "symlink";
            default -> "file";
        };
    }

    /** The current tar entry's bytes, read once while written, hashed on the way. */
    private static final class Hashing implements Content {
        private final TarReader reader;
        private final long size;
        private final MessageDigest md = Digest.sha256();
        private MessageDigest md5;
        private byte[] hash;

        Hashing(TarReader reader, long size) {
            this.reader = reader;
            this.size = size;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public InputStream open() {
            // Closing it closes only the view of the current entry: the tar reader goes on to the next one.
            InputStream in = new java.security.DigestInputStream(reader.data(), md);
            return md5 == null ? in : new java.security.DigestInputStream(in, md5);
        }

        void alsoMd5() {
            try {
                md5 = MessageDigest.getInstance("MD5");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        String md5Hex() {
            return HexFormat.of().formatHex(md5.digest());
        }

        String hex() {
            if (hash == null) {
                hash = md.digest();
            }
            return HexFormat.of().formatHex(hash);
        }
    }
}
