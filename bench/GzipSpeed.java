import dev.peel.tar.GzipOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.Deflater;

/**
 * One encoder over one file, on one core: peel's gzip (GzipOutputStream on the calling thread: its own
 * DEFLATE encoder, 1 MiB blocks) or the JDK's Deflater (the host's or the JDK's zlib). The file is streamed
 * (from the page cache, in 1 MiB reads, counted in the time of both alike); the best of RUNS passes counts
 * (the first ones warm the JIT), timed by the thread's CPU clock.
 * With THREADS > 1, peel runs on that many threads and the wall clock is printed instead.
 * usage: java -cp peel.jar bench/GzipSpeed.java peel|jdk FILE LEVEL [RUNS] [THREADS]
 * Prints "encoder level input_bytes output_bytes seconds MB/s".
 */
public class GzipSpeed {
    public static void main(String[] args) throws Exception {
        String which = args[0];
        Path file = Path.of(args[1]);
        long length = Files.size(file);
        byte[] in = new byte[1 << 20];
        int level = Integer.parseInt(args[2]);
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads) : null;
        double best = Double.MAX_VALUE;
        long size = 0;
        for (int r = 0; r < runs; r++) {
            long w0 = System.nanoTime();
            long t0 = mx.getCurrentThreadCpuTime();
            Counting out = new Counting();
            if (which.equals("peel")) {
                try (InputStream is = Files.newInputStream(file); OutputStream z = new GzipOutputStream(out, level, pool, threads)) {
                    int n;
                    while ((n = is.readNBytes(in, 0, in.length)) > 0) {
                        z.write(in, 0, n);
                    }
                }
            } else {
                Deflater d = new Deflater(level, true);
                byte[] buf = new byte[1 << 16];
                try (InputStream is = Files.newInputStream(file)) {
                    int n;
                    while ((n = is.readNBytes(in, 0, in.length)) > 0) {
                        d.setInput(in, 0, n);
                        while (!d.needsInput()) {
                            out.count += d.deflate(buf, 0, buf.length, Deflater.NO_FLUSH);
                        }
                    }
                }
                d.finish();
                while (!d.finished()) {
                    out.count += d.deflate(buf, 0, buf.length, Deflater.NO_FLUSH);
                }
                d.end();
                out.count += 18; // gzip header and trailer, as peel's count includes them
            }
            double s = threads > 1 ? (System.nanoTime() - w0) / 1e9 : (mx.getCurrentThreadCpuTime() - t0) / 1e9;
            best = Math.min(best, s);
            size = out.count;
        }
        if (pool != null) {
            pool.shutdown();
        }
        System.out.printf("%s %d %d %d %.2f %.1f%n", which, level, length, size, best, length / best / 1e6);
    }

    static final class Counting extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
