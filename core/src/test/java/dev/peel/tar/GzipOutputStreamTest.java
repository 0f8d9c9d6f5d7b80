package dev.peel.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void lessThanABlockIsOneDeflateStreamWithoutAFlushMarker() throws Exception {
        byte[] data = "a small layer ".repeat(5000).getBytes();
        byte[] z = gzip(data, 6);
        java.util.zip.Inflater inf = new java.util.zip.Inflater(true);
        inf.setInput(z, 10, z.length - 18);
        byte[] back = new byte[data.length];
        assertEquals(data.length, inf.inflate(back));
        assertTrue(inf.finished());
        assertEquals(0, inf.getRemaining());
        assertArrayEquals(data, back);
        byte[] flush = {0, 0, (byte) 0xff, (byte) 0xff};
        assertFalse(Arrays.equals(flush, Arrays.copyOfRange(z, z.length - 12, z.length - 8)), "no sync flush in a one-block stream");
    }

    @Test
    void emptyInputIsAValidGzip() throws Exception {
        byte[] z = gzip(new byte[0], 6);
        Path f = tmp.resolve("e.gz");
        Files.write(f, z);
        assertEquals("", Tools.run("sh", "-c", "gzip -dc " + f).ok().out());
    }
}
