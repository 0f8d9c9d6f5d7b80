package dev.peel.install;

import dev.peel.image.BlobLayer;
import dev.peel.oci.Digest;
import dev.peel.oci.MediaType;
import dev.peel.tar.TarEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the cache keeps beside a package layer's blob: the package it holds and every entry's path, type,
 * mode, owner, size and sha256 (or link target) — enough to check overlaps between packages without
 * opening the layer again.
 */
record Listing(String name, String version, String arch, String source, String replaces, Digest digest, Digest diffId,
               long size, String mediaType, List<Entry> entries, String key) {

    /** One entry of a layer, as overlaps are judged: {@code value} is the content's sha256 or the link target. */
    public record Entry(String path, TarEntry.Type type, int mode, long uid, long gid, long size, String value) {
        /** Same type, mode, owner and bytes (or target): what dpkg treats as the same file. */
        boolean sameAs(Entry o) {
            return type == o.type && mode == o.mode && uid == o.uid && gid == o.gid && size == o.size && value.equals(o.value);
        }
    }

    static Listing of(PackageLayer p) {
        BlobLayer l = p.layer();
        return new Listing(p.name(), p.version(), p.arch(), p.source(), p.replaces(), l.digest(), l.diffId(), l.size(),
                l.mediaType().toString(), p.entries(), p.key());
    }

    /** The layer cached under {@code kind}/{@code key}, if its listing and its blob (re-hashed) are both intact. */
    static java.util.Optional<PackageLayer> cached(dev.peel.cache.Cache cache, String kind, String key) {
        return cache.getDerived(kind, key).map(b -> parse(b, key))
                .flatMap(l -> cache.file("blobs", l.digest().hex()).map(l::toLayer));
    }

    /**
     * Records a layer that holds no single package (merged, generated) under {@code kind}/{@code key}. Its blob
     * is already in the cache: LayerWriter wrote it into the cache's blob folder under its digest.
     */
    static BlobLayer keep(dev.peel.cache.Cache cache, String kind, String key, String name, BlobLayer blob) {
        cache.putDerived(kind, key, new Listing(name, "", "", "", "", blob.digest(), blob.diffId(), blob.size(),
                blob.mediaType().toString(), List.of(), key).bytes());
        return blob;
    }

    PackageLayer toLayer(Path blob) {
        return new PackageLayer(name, version, arch, source, replaces,
                new BlobLayer(blob, digest, diffId, size, new MediaType(mediaType)), entries, key);
    }

    byte[] bytes() {
        StringBuilder b = new StringBuilder(PackageLayer.FORMAT).append('\n');
        for (String s : new String[] {name, version, arch, source, replaces, digest.toString(), diffId.toString(),
                Long.toString(size), mediaType}) {
            b.append(escape(s)).append('\n');
        }
        for (Entry e : entries) {
            b.append(e.type().name()).append('\t').append(Integer.toOctalString(e.mode())).append('\t').append(e.uid())
                    .append('\t').append(e.gid()).append('\t').append(e.size()).append('\t').append(escape(e.value()))
                    .append('\t').append(escape(e.path())).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses what {@link #bytes} wrote; null for anything else (an old format reads as a miss). */
    static Listing parse(byte[] bytes, String key) {
        try {
            String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
            if (lines.length < 11 || !lines[0].equals(PackageLayer.FORMAT)) {
                return null;
            }
            List<Entry> entries = new ArrayList<>();
            for (int i = 10; i < lines.length; i++) {
                if (lines[i].isEmpty()) {
                    continue;
                }
                String[] f = lines[i].split("\t", -1);
                entries.add(new Entry(unescape(f[6]), TarEntry.Type.valueOf(f[0]), Integer.parseInt(f[1], 8),
                        Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), unescape(f[5])));
            }
            return new Listing(unescape(lines[1]), unescape(lines[2]), unescape(lines[3]), unescape(lines[4]),
                    unescape(lines[5]), Digest.parse(lines[6]), Digest.parse(lines[7]), Long.parseLong(lines[8]),
                    unescape(lines[9]), List.copyOf(entries), key);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
