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
    void emptyInputIsAValidGzip() throws Exception {
        byte[] z = gzip(new byte[0], 6);
        Path f = tmp.resolve("e.gz");
        Files.write(f, z);
        assertEquals("", Tools.run("sh", "-c", "gzip -dc " + f).ok().out());
    }
}
