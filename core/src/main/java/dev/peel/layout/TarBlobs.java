package dev.peel.layout;

import dev.peel.oci.Digest;
import dev.peel.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/** Blobs of a layout packed in a tar (an OCI archive or a docker-archive): one scan, then random access. */
final class TarBlobs implements Blobs {
    private final Path file;
    private final FileChannel channel;
    private final Map<String, long[]> entries = new HashMap<>();
    /** Symbolic and hard links, by path: docker save links a layer shared by two images to one file. */
    private final Map<String, String> links = new HashMap<>();

    TarBlobs(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        try (TarReader r = new TarReader(new BufferedInputStream(java.nio.file.Files.newInputStream(file), 65536))) {
            TarReader.Header h;
            while ((h = r.next()) != null) {
                if (h.isRegular()) {
                    entries.put(h.path(), new long[] {h.offset(), h.size()});
                    links.remove(h.path());
                } else if (h.type() == '1' || h.type() == '2') {
                    // A later entry of the same path replaces an earlier one, as tar extracts them.
                    entries.remove(h.path());
                    links.put(h.path(), linkTarget(h));
                }
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException(file + " is not a readable tar: " + e.getMessage(), e);
        }
    }

    /** A hard link names an archive path; a symbolic one is relative to its own folder unless absolute. */
    private static String linkTarget(TarReader.Header h) {
        String target = h.linkName();
        if (h.type() == '1' || target.startsWith("/")) {
            return target;
        }
        int slash = h.path().lastIndexOf('/');
        return slash < 0 ? target : h.path().substring(0, slash + 1) + target;
    }

    /** The path of the regular file a path names, links followed (at most 16, never out of the archive), or null. */
    String resolve(String name) {
        String p = normalize(name);
        for (int hops = 0; p != null && hops <= 16; hops++) {
            if (entries.containsKey(p)) {
                return p;
            }
            String target = links.get(p);
            p = target == null ? null : normalize(target);
        }
        return null;
    }

    private long[] find(String name) {
        String p = resolve(name);
        return p == null ? null : entries.get(p);
    }

    /** "a/./b/../c" → "a/c"; null when ".." climbs above the archive's root. */
    private static String normalize(String path) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return String.join("/", parts);
    }

    /** The size of a file of the archive (links followed), or -1 when there is none. */
    long entrySize(String name) {
        long[] e = find(name);
        return e == null ? -1 : e[1];
    }

    /** The archive's file name, for messages. */
    Path file() {
        return file;
    }

    /** Opens a file of the archive by its path (links followed), or returns null. */
    InputStream openEntry(String name) {
        long[] e = find(name);
        if (e == null) {
            return null;
        }
        long start = e[0];
        long end = e[0] + e[1];
        return new BufferedInputStream(new InputStream() {
            private long pos = start;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= end) {
                    return -1;
                }
                int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
                if (n < 0) {
                    throw new IOException(file + " is truncated");
                }
                pos += n;
                return n;
            }
        }, 65536);
    }

    @Override
    public InputStream open(Digest d) throws IOException {
        InputStream in = openEntry("blobs/" + d.algorithm() + "/" + d.hex());
        if (in == null) {
            throw new IOException("blob " + d + " is missing from " + file);
        }
        return in;
    }

    @Override
    public long size(Digest d) {
        return entrySize("blobs/" + d.algorithm() + "/" + d.hex());
    }

    @Override
    public byte[] top(String name) throws IOException {
        InputStream in = openEntry(name);
        if (in == null) {
            return null;
        }
        try (in) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
