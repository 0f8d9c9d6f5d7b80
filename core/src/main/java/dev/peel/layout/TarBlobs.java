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

    TarBlobs(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        try (TarReader r = new TarReader(new BufferedInputStream(java.nio.file.Files.newInputStream(file), 65536))) {
            TarReader.Header h;
            while ((h = r.next()) != null) {
                if (h.isRegular()) {
                    entries.put(h.path(), new long[] {h.offset(), h.size()});
                }
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException(file + " is not a readable tar: " + e.getMessage(), e);
        }
    }

    /** Opens a file of the archive by its path, or returns null. */
    InputStream openEntry(String name) {
        long[] e = entries.get(name);
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
        long[] e = entries.get("blobs/" + d.algorithm() + "/" + d.hex());
        return e == null ? -1 : e[1];
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
