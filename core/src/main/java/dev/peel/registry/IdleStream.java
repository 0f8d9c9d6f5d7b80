package dev.peel.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A response body that is cut when no byte arrives for the idle timeout. The JDK's HTTP client bounds only the
 * wait for response headers; a server that stalls mid-body would block a read forever. Closing the body from
 * the watchdog thread ends that read with an IOException (checked on JDK 17), which callers retry or resume.
 */
final class IdleStream extends FilterInputStream {
    private final long idleNanos;
    private final ScheduledFuture<?> watch;
    private volatile long last = System.nanoTime();
    private volatile boolean cut;

    IdleStream(InputStream in, ScheduledExecutorService watchdog, java.time.Duration idle) {
        super(in);
        this.idleNanos = idle.toNanos();
        long every = Math.max(100, Math.min(1000, idleNanos / 4_000_000));
        this.watch = watchdog.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - last > idleNanos) {
                cut = true;
                quietClose();
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public int read() throws IOException {
        try {
            int b = super.read();
            last = System.nanoTime();
            if (b < 0) {
                watch.cancel(false);
            }
            return b;
        } catch (IOException e) {
            throw stalled(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            int n = super.read(b, off, len);
            last = System.nanoTime();
            if (n < 0) {
                watch.cancel(false);
            }
            return n;
        } catch (IOException e) {
            throw stalled(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            long s = super.skip(n);
            last = System.nanoTime();
            return s;
        } catch (IOException e) {
            throw stalled(e);
        }
    }

    private IOException stalled(IOException e) {
        watch.cancel(false);
        return cut ? new IOException("no data for " + Math.max(1, idleNanos / 1_000_000_000L) + " s", e) : e;
    }

    private void quietClose() {
        watch.cancel(false);
        try {
            in.close();
        } catch (IOException e) {
            // Closing is what ends the stalled read; its own failure changes nothing.
        }
    }

    @Override
    public void close() throws IOException {
        watch.cancel(false);
        in.close();
    }
}
