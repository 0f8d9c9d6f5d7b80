package dev.peel.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peel.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GzipOutputStreamTest {
    @TempDir
    Path tmp;

    static byte[] gzip(byte[] data, int level) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream z = Compression.GZIP.compress(bos, level)) {
            for (int off = 0; off < data.length; off += 7777) {
                z.write(data, off, Math.min(7777, data.length - off));
            }
        }
        return bos.toByteArray();
    }

    @Test
    void gzipDecodesItAndTheHeaderHasNoTimeNameOrOs() throws Exception {
        byte[] data = new byte[3_000_000];
        Random r = new Random(42);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (r.nextInt(16) + 'a');
        }
        byte[] z = gzip(data, 6);
        assertEquals("1f8b08000000000000ff", HexFormat.of().formatHex(Arrays.copyOf(z, 10)));
        Path f = tmp.resolve("d.gz");
        Files.write(f, z);
        Tools.run("gzip", "-t", f.toString()).ok();
        Path back = tmp.resolve("d");
        Tools.run("sh", "-c", "gzip -dc " + f + " > " + back).ok();
        assertArrayEquals(data, Files.readAllBytes(back));
        assertArrayEquals(z, gzip(data, 6), "same input, same bytes");
    }

    @Test
    void blocksGiveTheSameBytesOnOneThreadOrMany() throws Exception {
        byte[] data = new byte[5 * GzipOutputStream.BLOCK + 12345];
        Random r = new Random(7);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 4096 < 2048 ? r.nextInt(4) : i);
        }
        ByteArrayOutputStream inline = new ByteArrayOutputStream();
        try (OutputStream z = new GzipOutputStream(inline, 6, null, 1)) {
            z.write(data);
        }
        ByteArrayOutputStream parallel = new ByteArrayOutputStream();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try (OutputStream z = new GzipOutputStream(parallel, 6, pool, 3)) {
            for (int off = 0; off < data.length; off += 100_000) {
                z.write(data, off, Math.min(100_000, data.length - off));
            }
        } finally {
            pool.shutdown();
        }
        assertArrayEquals(inline.toByteArray(), parallel.toByteArray());
        Path f = tmp.resolve("blocks.gz");
        Files.write(f, parallel.toByteArray());
        Tools.run("gzip", "-t", f.toString()).ok();
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(f))) {
            assertArrayEquals(data, in.readAllBytes());
        }
    }

    @Test
    void lessThanABlockIsExactlyWhatOneDeflaterWrites() throws Exception {
        byte[] data = "a small layer ".repeat(5000).getBytes();
        byte[] z = gzip(data, 6);
        java.util.zip.Deflater d = new java.util.zip.Deflater(6, true);
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[data.length];
        int n = d.deflate(buf);
        assertArrayEquals(Arrays.copyOf(buf, n), Arrays.copyOfRange(z, 10, z.length - 8));
    }

    @Test
    void emptyInputIsAValidGzip() throws Exception {
        byte[] z = gzip(new byte[0], 6);
        Path f = tmp.resolve("e.gz");
        Files.write(f, z);
        assertEquals("", Tools.run("sh", "-c", "gzip -dc " + f).ok().out());
    }
}
