package dev.peel.tar;

import dev.peel.compress.Deflate;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.zip.CRC32;

/**
 * gzip in independent blocks, so several cores can compress one layer and the bytes stay the same
 * whatever the number of cores: the input is cut every {@link #BLOCK} bytes; each block is deflated on
 * its own by peel's own encoder ({@link Deflate}), primed with the 32 KiB before it as dictionary, and ends
 * with an empty stored block as a sync flush writes (the last one finishes the stream). That is one
 * ordinary gzip member, as pigz writes; its bytes do not depend on the host's zlib or the JDK.
 *
 * <p>The header is fixed (no name, mtime 0, OS unknown) so output depends only on input and level.
 * At most {@code 2 × workers} blocks are in flight, so memory stays flat however large the layer.
 */
public final class GzipOutputStream extends OutputStream {
    static final int BLOCK = 1 << 20;
    private static final int DICT = 32 * 1024;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final ThreadLocal<Deflate[]> ENCODERS = ThreadLocal.withInitial(() -> new Deflate[10]);

    private final OutputStream out;
    private final int level;
    private final Executor executor;
    private final int window;
    private final ArrayDeque<Future<Compressed>> inFlight = new ArrayDeque<>();
    private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
    private final ArrayDeque<byte[]> spareOut = new ArrayDeque<>();
    private final CRC32 crc = new CRC32();
    /** The block being filled, at {@code DICT}; the 32 KiB before it hold the end of the previous block. */
    private byte[] block = newBlock();
    private int filled;
    private boolean first = true;
    private long inputSize;
    private boolean finished;

    /**
     * @param executor where blocks are compressed; null compresses on the calling thread (same bytes)
     * @param workers how many threads the executor has, to size the window of blocks in flight
     */
    public GzipOutputStream(OutputStream out, int level, Executor executor, int workers) throws IOException {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("gzip level must be 0-9, not " + level);
        }
        this.out = out;
        this.level = level;
        this.executor = executor;
        this.window = Math.max(1, 2 * workers);
        out.write(HEADER);
    }

    public GzipOutputStream(OutputStream out, int level) throws IOException {
        this(out, level, null, 1);
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
        crc.update(b, off, len);
        inputSize += len;
        while (len > 0) {
            int n = Math.min(len, BLOCK - filled);
            System.arraycopy(b, off, block, DICT + filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == BLOCK) {
                submit(false);
            }
        }
    }

    private static byte[] newBlock() {
        return new byte[DICT + BLOCK + Deflate.SLACK];
    }

    private void submit(boolean last) throws IOException {
        byte[] input = block;
        int length = filled;
        int history = first ? DICT : 0;
        first = false;
        if (!last) {
            block = spare.isEmpty() ? newBlock() : spare.pop();
            System.arraycopy(input, BLOCK, block, 0, DICT);
            filled = 0;
        }
        byte[] output = spareOut.isEmpty() ? null : spareOut.pop();
        FutureTask<Compressed> task = new FutureTask<>(() -> deflate(input, history, length, last, level, output));
        if (executor == null) {
            task.run();
        } else {
            executor.execute(task);
        }
        inFlight.add(task);
        while (inFlight.size() >= window || (last && !inFlight.isEmpty())) {
            drainOne();
        }
    }

    private void drainOne() throws IOException {
        Future<Compressed> f = inFlight.poll();
        try {
            Compressed c = f.get();
            out.write(c.bytes(), 0, c.length());
            spare.push(c.input());
            spareOut.push(c.bytes());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            throw new IOException("compressing a block failed", e.getCause());
        }
    }

    /** A compressed block, and its input buffer to reuse once written. */
    record Compressed(byte[] bytes, int length, byte[] input) {
    }

    static Compressed deflate(byte[] input, int history, int length, boolean last, int level, byte[] reuse) {
        Deflate[] cache = ENCODERS.get();
        Deflate d = cache[level];
        if (d == null) {
            d = cache[level] = new Deflate(level);
        }
        byte[] out = d.encode(input, history, DICT, DICT + length, last, reuse);
        return new Compressed(out, d.length(), input);
    }

    /** Writes the rest of the stream and the trailer; does not close the underlying stream. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        submit(true);
        finished = true;
        block = null;
        long c = crc.getValue();
        int size = (int) inputSize;
        out.write(new byte[] {
                (byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
                (byte) size, (byte) (size >> 8), (byte) (size >> 16), (byte) (size >> 24)});
    }

    @Override
    public void flush() throws IOException {
        out.flush();
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
