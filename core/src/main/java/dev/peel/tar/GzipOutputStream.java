package dev.peel.tar;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip with a fixed header (no name, mtime 0, OS unknown) so output depends only on the input bytes and
 * the level, never on the clock or the JDK's GZIPOutputStream choices.
 */
public final class GzipOutputStream extends FilterOutputStream {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final byte[] buf = new byte[64 * 1024];
    private long inputSize;
    private boolean finished;

    public GzipOutputStream(OutputStream out, int level) throws IOException {
        super(out);
        this.deflater = new Deflater(level, true);
        out.write(HEADER);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("gzip stream already finished");
        }
        if (len == 0) {
            return;
        }
        crc.update(b, off, len);
        inputSize += len;
        deflater.setInput(b, off, len);
        while (!deflater.needsInput()) {
            int n = deflater.deflate(buf, 0, buf.length, Deflater.NO_FLUSH);
            if (n > 0) {
                out.write(buf, 0, n);
            }
        }
    }

    /** Writes the rest of the deflate stream and the trailer; does not close the underlying stream. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        deflater.finish();
        while (!deflater.finished()) {
            int n = deflater.deflate(buf, 0, buf.length, Deflater.NO_FLUSH);
            if (n > 0) {
                out.write(buf, 0, n);
            }
        }
        deflater.end();
        long c = crc.getValue();
        int size = (int) inputSize;
        out.write(new byte[] {
                (byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
                (byte) size, (byte) (size >> 8), (byte) (size >> 16), (byte) (size >> 24)});
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            out.close();
        }
    }
}
