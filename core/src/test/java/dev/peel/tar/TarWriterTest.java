package dev.peel.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarWriterTest {
    static final long T = 1704067200L; // 2024-01-01T00:00:00Z

    @TempDir
    Path tmp;

    static byte[] tar(List<TarEntry> entries) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(bos)) {
            for (TarEntry e : entries) {
                w.write(e);
            }
        }
        return bos.toByteArray();
    }

    static Content text(String s) {
        return Content.ofBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void gnuTarListsEveryKindOfEntryAsWritten() throws Exception {
        String longName = "deep/" + "d".repeat(90) + "/" + "f".repeat(60);
        String veryLong = "x".repeat(120) + "/" + "y".repeat(120);
        String longTarget = "/" + "t".repeat(199);
        List<TarEntry> entries = List.of(
                TarEntry.directory("deep", 0755, 0, 0, T),
                TarEntry.directory("deep/" + "d".repeat(90), 0755, 0, 0, T),
                TarEntry.file(longName, 0644, 0, 0, T, text("long\n")),
                TarEntry.directory("shared", 02775, 0, 50, T),
                TarEntry.directory("tmp", 01777, 0, 0, T),
                TarEntry.file("usr-bin-su", 04755, 0, 0, T, text("#!\n")),
                TarEntry.file("big-ids", 0600, 3_000_000, 4_000_000, T, text("")),
                TarEntry.symlink("link", longTarget, 0, 0, T),
                TarEntry.file("target", 0640, 65532, 65532, T, text("hello")),
                TarEntry.hardlink("zz-hard", "target", 0640, 65532, 65532, T),
                TarEntry.file("caf\u00e9", 0644, 0, 0, T, text("é")),
                TarEntry.directory("x".repeat(120), 0755, 0, 0, T),
                TarEntry.file(veryLong, 0644, 0, 0, T, text("v")));
        Path file = tmp.resolve("t.tar");
        Files.write(file, tar(entries));

        String listing = Tools.run("tar", "--numeric-owner", "--full-time", "-tvf", file.toString()).ok().out();
        List<String> lines = listing.lines().map(l -> l.replaceAll(" +", " ")).toList();
        List<String> expected = new ArrayList<>();
        String when = "2024-01-01 00:00:00";
        expected.add("drwxr-xr-x 0/0 0 " + when + " deep/");
        expected.add("drwxr-xr-x 0/0 0 " + when + " deep/" + "d".repeat(90) + "/");
        expected.add("-rw-r--r-- 0/0 5 " + when + " " + longName);
        expected.add("drwxrwsr-x 0/50 0 " + when + " shared/");
        expected.add("drwxrwxrwt 0/0 0 " + when + " tmp/");
        expected.add("-rwsr-xr-x 0/0 3 " + when + " usr-bin-su");
        expected.add("-rw------- 3000000/4000000 0 " + when + " big-ids");
        expected.add("lrwxrwxrwx 0/0 0 " + when + " link -> " + longTarget);
        expected.add("-rw-r----- 65532/65532 5 " + when + " target");
        expected.add("hrw-r----- 65532/65532 0 " + when + " zz-hard link to target");
        expected.add("-rw-r--r-- 0/0 2 " + when + " café");
        expected.add("drwxr-xr-x 0/0 0 " + when + " " + "x".repeat(120) + "/");
        expected.add("-rw-r--r-- 0/0 1 " + when + " " + veryLong);
        assertEquals(expected, lines);
        assertEquals("hello", Tools.run("tar", "-xOf", file.toString(), "target").ok().out());
        assertEquals("long\n", Tools.run("tar", "-xOf", file.toString(), longName).ok().out());
    }

    @Test
    void usesUstarAloneWhenNamesFitAndNeverRecordsAtimeOrCtime() throws Exception {
        List<TarEntry> plain = List.of(
                TarEntry.directory("e".repeat(60), 0755, 0, 0, T),
                TarEntry.file("e".repeat(60) + "/" + "p".repeat(90), 0644, 0, 0, T, text("x")), // prefix + name
                TarEntry.symlink("e".repeat(60) + "/l", "p", 0, 0, T));
        byte[] b = tar(plain);
        // headers + one data block + end marker, nothing else: no PAX or GNU records
        assertEquals(512 * 4 + 512 * 2, b.length);
        for (int off : new int[] {0, 512, 1536}) { // headers; 1024 holds the file's data
            assertTrue("052".indexOf(b[off + 156]) >= 0, "unexpected type " + (char) b[off + 156]);
        }
        byte[] withPax = tar(List.of(TarEntry.file("n".repeat(300), 0644, 0, 0, T, text("x"))));
        String s = new String(withPax, StandardCharsets.ISO_8859_1);
        assertTrue(s.contains(" path=" + "n".repeat(300) + "\n"));
        assertFalse(s.contains("atime"));
        assertFalse(s.contains("ctime"));
        assertFalse(s.contains("mtime="));
    }

    @Test
    void malformedArchivesAreIoErrorsNotCrashes() throws Exception {
        byte[] good = tar(List.of(TarEntry.file("n".repeat(300), 0644, 0, 0, T, text("x"))));
        byte[] bad = good.clone();
        // Break the PAX record's length digits (the record follows the x header; headers stay intact).
        bad[512] = 'x';
        assertThrows(java.io.IOException.class, () -> readAll(bad));
        byte[] truncated = java.util.Arrays.copyOf(good, 700);
        assertThrows(java.io.IOException.class, () -> readAll(truncated));
        byte[] badSum = good.clone();
        badSum[0] ^= 1;
        assertThrows(java.io.IOException.class, () -> readAll(badSum));
    }

    static void readAll(byte[] b) throws IOException {
        try (TarReader r = new TarReader(new ByteArrayInputStream(b))) {
            while (r.next() != null) {
                r.data().readAllBytes();
            }
        }
    }

    @Test
    void sameEntriesGiveSameBytes() throws Exception {
        List<TarEntry> e = List.of(TarEntry.directory("a", 0755, 0, 0, T), TarEntry.file("a/b", 0644, 1, 2, T, text("b")));
        assertArrayEquals(tar(e), tar(e));
    }

    @Test
    void readerReadsBackWhatGnuTarWrites() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/" + "a".repeat(80) + "/" + "b".repeat(80)));
        Files.writeString(src.resolve("f".repeat(120)), "data");
        Files.createSymbolicLink(tmp.resolve("src/link"), Path.of("t".repeat(150)));
        for (String format : List.of("gnu", "posix", "ustar")) {
            Path file = tmp.resolve(format + ".tar");
            Tools.Run r = Tools.run(List.of("tar", "--format=" + format, "--sort=name", "-cf", file.toString(), "-C",
                    tmp.resolve("src").toString(), "."), null, java.util.Map.of(), 60);
            if (format.equals("ustar")) {
                assertTrue(r.exit() != 0, "ustar cannot hold the 150-byte link target; GNU tar must refuse");
                continue;
            }
            r.ok();
            List<String> names = new ArrayList<>();
            String content = null;
            try (TarReader reader = new TarReader(new ByteArrayInputStream(Files.readAllBytes(file)))) {
                TarReader.Header h;
                while ((h = reader.next()) != null) {
                    names.add(h.path() + (h.type() == '2' ? " -> " + h.linkName() : ""));
                    if (h.isRegular()) {
                        content = new String(reader.data().readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
            }
            String dir = "a".repeat(80) + "/" + "b".repeat(80);
            assertEquals(List.of("", "a".repeat(80), dir, dir + "/" + "f".repeat(120), "link -> " + "t".repeat(150)), names, format);
            assertEquals("data", content);
        }
    }
}
