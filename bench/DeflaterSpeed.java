import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;

/**
 * The yardstick: how fast one core deflates a file with the JDK's Deflater alone (no tar, no hashing,
 * no I/O beyond reading). Run with the source launcher: java bench/DeflaterSpeed.java FILE [LEVEL]
 * Prints "bytes seconds MB/s".
 */
public class DeflaterSpeed {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int level = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        byte[] in = new byte[64 * 1024];
        byte[] out = new byte[64 * 1024];
        Deflater d = new Deflater(level, true);
        long total = 0;
        long t0 = System.nanoTime();
        try (InputStream is = Files.newInputStream(file)) {
            int n;
            while ((n = is.read(in)) > 0) {
                total += n;
                d.setInput(in, 0, n);
                while (!d.needsInput()) {
                    d.deflate(out, 0, out.length, Deflater.NO_FLUSH);
                }
            }
        }
        d.finish();
        while (!d.finished()) {
            d.deflate(out, 0, out.length, Deflater.NO_FLUSH);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%d %.2f %.1f%n", total, s, total / s / 1e6);
    }
}
