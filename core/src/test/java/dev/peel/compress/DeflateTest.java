package dev.peel.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Digest;
import dev.peel.tar.GzipOutputStream;
import dev.peel.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * peel's DEFLATE encoder against inputs chosen to break it: what it writes inflates back (the JDK's Inflater
 * and GZIPInputStream at every level, GNU gzip at levels 1, 6 and 9), and the bytes are the same on one
 * thread or several.
 */
class DeflateTest {
    private static final int BLOCK = 1 << 20;
    private static final ExecutorService POOL = Executors.newFixedThreadPool(3);

    @TempDir
    Path tmp;

    @AfterAll
    static void stop() {
        POOL.shutdown();
    }

    static byte[] gzip(byte[] data, int level, ExecutorService pool, int workers, int chunk) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream z = new GzipOutputStream(bos, level, pool, workers)) {
            for (int off = 0; off < data.length; off += chunk) {
                z.write(data, off, Math.min(chunk, data.length - off));
            }
        }
        return bos.toByteArray();
    }

    /** Inflates with the JDK both ways: GZIPInputStream (checks CRC and size) and a raw Inflater on the body. */
    static void assertInflatesTo(byte[] data, byte[] gz) throws Exception {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            assertArrayEquals(data, in.readAllBytes());
        }
        Inflater inf = new Inflater(true);
        inf.setInput(gz, 10, gz.length - 18);
        byte[] back = new byte[data.length + 1];
        int n = 0;
        while (!inf.finished()) {
            int k = inf.inflate(back, n, back.length - n);
            assertTrue(k > 0 || inf.finished() || !inf.needsInput(), "the deflate stream ends before its final block");
            n += k;
        }
        assertEquals(0, inf.getRemaining(), "nothing after the final block");
        assertEquals(data.length, n);
        assertArrayEquals(data, Arrays.copyOf(back, n));
        inf.end();
    }

    static Map<String, byte[]> inputs() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        Random r = new Random(1951);
        m.put("empty", new byte[0]);
        m.put("one byte", new byte[] {42});
        m.put("three bytes", new byte[] {1, 2, 1});
        byte[] noise = new byte[BLOCK + 4096];
        r.nextBytes(noise);
        m.put("incompressible", noise);
        m.put("zeros over two blocks", new byte[2 * BLOCK + 3]);
        byte[] runs = new byte[700_000];
        for (int i = 0, v = 0; i < runs.length; v++) {
            int len = 1 + r.nextInt(v % 7 == 0 ? 2000 : 5);
            Arrays.fill(runs, i, Math.min(runs.length, i + len), (byte) r.nextInt(3));
            i += len;
        }
        m.put("runs", runs);
        byte[] tile = new byte[64 * 1024];
        r.nextBytes(tile);
        byte[] repeats = new byte[tile.length * 12 + 5];
        for (int i = 0; i < repeats.length; i++) {
            repeats[i] = tile[i % tile.length];
        }
        m.put("64 KiB repeats (beyond the window)", repeats);
        byte[] near = new byte[32 * 1024 * 8 + 1];
        for (int i = 0; i < near.length; i++) {
            near[i] = tile[i % (32 * 1024 - 1)];
        }
        m.put("repeats at the farthest distance", near);
        // Every position shares its first four bytes with thousands before it, and matches none of them for long.
        byte[] chains = new byte[300_000];
        for (int i = 0; i < chains.length; i += 6) {
            chains[i] = 'a';
            if (i + 1 < chains.length) {
                chains[i + 1] = 'b';
            }
            if (i + 2 < chains.length) {
                chains[i + 2] = 'c';
            }
            if (i + 3 < chains.length) {
                chains[i + 3] = 'd';
            }
            if (i + 4 < chains.length) {
                chains[i + 4] = (byte) r.nextInt(256);
            }
            if (i + 5 < chains.length) {
                chains[i + 5] = (byte) r.nextInt(256);
            }
        }
        m.put("hash chain defeat", chains);
        StringBuilder text = new StringBuilder();
        String[] words = {"layer", "digest", "peel", "image", "package", "the", "of", "gzip", "tar", "debian", "\n"};
        while (text.length() < 2_200_000) {
            text.append(words[r.nextInt(words.length)]).append(r.nextInt(10) == 0 ? ", " : " ");
        }
        m.put("text over blocks", text.toString().getBytes());
        for (int size : new int[] {BLOCK - 1, BLOCK, BLOCK + 1, 65535, 65536, 65537}) {
            byte[] b = new byte[size];
            for (int i = 0; i < size; i++) {
                b[i] = (byte) (i % 251 < 120 ? r.nextInt(4) : i * 7);
            }
            m.put(size + " bytes", b);
        }
        return m;
    }

    @Test
    void everyInputRoundTripsAtEveryLevelOnOneThreadOrSeveral() throws Exception {
        for (Map.Entry<String, byte[]> e : inputs().entrySet()) {
            byte[] data = e.getValue();
            for (int level = 0; level <= 9; level++) {
                if (level >= 8 && data.length > BLOCK + 4096 && !e.getKey().startsWith("text")) {
                    continue;
                }
                byte[] one = gzip(data, level, null, 1, 100_003);
                try {
                    assertInflatesTo(data, one);
                } catch (AssertionError | Exception ex) {
                    throw new AssertionError(e.getKey() + " at level " + level + ": " + ex, ex);
                }
                if (level == 1 || level == 6 || level == 9) {
                    Path f = tmp.resolve("t.gz");
                    Files.write(f, one);
                    Tools.run("gzip", "-t", f.toString()).ok();
                    assertEquals(Digest.of(data).toString(), Digest.of(Files.readAllBytes(gunzip(f))).toString(),
                            e.getKey() + " through GNU gzip at level " + level);
                }
                if (data.length > BLOCK || level == 6) {
                    assertArrayEquals(one, gzip(data, level, POOL, 3, 65_536), e.getKey() + " at level " + level + " on 3 threads");
                }
                if (level == 6) {
                    assertTrue(one.length <= data.length + data.length / 1000 + 64, e.getKey() + " grew: " + one.length);
                }
            }
        }
    }

    private Path gunzip(Path f) throws Exception {
        Path out = tmp.resolve("t");
        Tools.run("sh", "-c", "gzip -dc " + f + " > " + out).ok();
        return out;
    }

    @Test
    void aGibibyteOfZerosStreamsFastAndSmall() throws Exception {
        long size = 1L << 30;
        byte[] zeros = new byte[1 << 20];
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        try (OutputStream z = new GzipOutputStream(bos, 6, POOL, 3)) {
            for (long n = 0; n < size; n += zeros.length) {
                z.write(zeros);
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        byte[] gz = bos.toByteArray();
        assertTrue(gz.length < 2_000_000, "1 GiB of zeros took " + gz.length + " bytes");
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz), 1 << 16)) {
            int k;
            while ((k = in.read(buf)) > 0) {
                for (int i = 0; i < k; i++) {
                    if (buf[i] != 0) {
                        throw new AssertionError("non-zero byte at " + (n + i));
                    }
                }
                n += k;
            }
        }
        assertEquals(size, n);
        System.out.println("1 GiB of zeros → " + gz.length + " bytes in " + ms + " ms");
    }

    @Test
    void huffmanCodesStayWithinTheirLimitAndComplete() {
        Huffman h = new Huffman();
        int[] freq = new int[286];
        long a = 1;
        long b = 1;
        for (int i = 0; i < 40; i++) {
            freq[i] = (int) Math.min(a, Integer.MAX_VALUE / 4);
            long c = a + b;
            a = b;
            b = c;
        }
        for (int limit : new int[] {7, 15}) {
            byte[] len = new byte[286];
            h.lengths(freq, limit == 7 ? 19 : 286, limit, len);
            long kraft = 0;
            for (byte l : len) {
                assertTrue(l <= limit, "length " + l + " over " + limit);
                if (l > 0) {
                    kraft += 1L << (limit - l);
                }
            }
            assertEquals(1L << limit, kraft, "a complete code");
        }
        byte[] len = new byte[30];
        h.lengths(new int[30], 30, 15, len);
        assertEquals(1, len[0]);
        assertEquals(1, len[1]);
        int[] one = new int[30];
        one[7] = 5;
        h.lengths(one, 30, 15, len);
        assertEquals(1, len[7]);
        assertEquals(1, len[0]);
    }

    /**
     * The encoder's bytes, pinned: a change here changes every gzip layer digest peel writes, so it must be
     * deliberate (and bump the cache formats of compressed layers). Also what every JDK must agree on.
     */
    @Test
    void theEncodersBytesArePinned() throws Exception {
        Map<String, byte[]> in = inputs();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (String name : new String[] {"empty", "one byte", "runs", "text over blocks", "hash chain defeat"}) {
            for (int level = 0; level <= 9; level++) {
                all.write(gzip(in.get(name), level, null, 1, 8192));
            }
        }
        for (String name : new String[] {"incompressible", "64 KiB repeats (beyond the window)"}) {
            for (int level : new int[] {1, 6, 7, 9}) {
                all.write(gzip(in.get(name), level, null, 1, 8192));
            }
        }
        assertEquals(PINNED, Digest.of(all.toByteArray()).toString());
    }

    static final String PINNED = "sha256:f7deda18b6292f5548b8186bd552b64c176c74eef1f926f5a0f52083a03e0e1e";
}
