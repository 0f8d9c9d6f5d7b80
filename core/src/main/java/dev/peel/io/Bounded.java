package dev.peel.io;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The next {@code size} bytes of a stream and no more (one member of an archive, one entry of a zip); a stream that
 * ends sooner is an {@link EOFException} saying {@code truncated}. Closing it closes the stream under it.
 */
public final class Bounded extends FilterInputStream {
    private final String truncated;
    private long left;

    public Bounded(InputStream in, long size, String truncated) {
        super(in);
        this.left = size;
        this.truncated = truncated;
    }

    @Override
    public int read() throws IOException {
        if (left <= 0) {
            return -1;
        }
        int b = in.read();
        if (b < 0) {
            throw new EOFException(truncated);
        }
        left--;
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            throw new EOFException(truncated);
        }
        left -= n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[8192];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(in.available(), left);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
