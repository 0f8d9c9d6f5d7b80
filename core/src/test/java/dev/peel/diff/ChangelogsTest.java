package dev.peel.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.cache.Cache;
import dev.peel.debian.Lock;
import dev.peel.debian.Version;
import dev.peel.oci.Digest;
import dev.peel.testing.DebRepo;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Changelog entries between two versions, from real .debs (dpkg-deb) in a real cache. */
class ChangelogsTest {
    @TempDir
    static Path tmp;

    static DebRepo repo;

    static final String TEXT = """
            tool (2:1.5-1) unstable; urgency=high

              * Security fix.

             -- A <a@example.invalid>  Mon, 05 May 2025 10:00:00 +0000

            tool (2:1.4-2) unstable; urgency=medium

              * Rebuild.

             -- A <a@example.invalid>  Sun, 04 May 2025 10:00:00 +0000

            tool (2:1.4-1) unstable; urgency=medium

              * New upstream release.

             -- A <a@example.invalid>  Sat, 03 May 2025 10:00:00 +0000

            tool (1.9-1) unstable; urgency=low

              * Before the epoch.

             -- A <a@example.invalid>  Fri, 02 May 2025 10:00:00 +0000
            """;

    @BeforeAll
    static void repository() throws Exception {
        repo = new DebRepo(tmp.resolve("repo"));
    }

    static byte[] gzip(String s) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }

    static String cached(Cache cache, DebRepo.Deb deb) throws Exception {
        String hex = Digest.of(Files.readAllBytes(deb.file())).hex();
        Path copy = Files.createTempFile(tmp, "deb", ".tmp");
        Files.copy(deb.file(), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        cache.putFile("debs", hex, copy);
        return hex;
    }

    static DebRepo.Deb tool(String version, String changelog, String extra) throws Exception {
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put("usr/bin/tool", ("tool " + version + extra + "\n").getBytes(StandardCharsets.UTF_8));
        if (changelog != null) {
            files.put("usr/share/doc/tool/changelog.Debian.gz", gzip(changelog));
        }
        return repo.debOf("tool", version, "amd64", Map.of(), files);
    }

    @Test
    void entriesNewerThanTheOldVersionInDpkgOrder() {
        List<Changelogs.Entry> e = Changelogs.newerThan(TEXT, Version.parse("2:1.4-1"));
        assertEquals(List.of("2:1.5-1", "2:1.4-2"), e.stream().map(Changelogs.Entry::version).toList());
        assertTrue(e.get(1).text().startsWith("tool (2:1.4-2) unstable; urgency=medium\n\n  * Rebuild.\n\n -- A <a@"), e.get(1).text());
        assertTrue(e.get(1).text().endsWith("+0000"), "the trailer line ends an entry");
        assertEquals(3, Changelogs.newerThan(TEXT, Version.parse("1.9-1")).size(), "an epoch beats any version without one");
        assertEquals(0, Changelogs.newerThan(TEXT, Version.parse("2:1.5-1")).size());
        assertEquals(0, Changelogs.newerThan("not a changelog\n", Version.parse("1.0")).size());
    }

    @Test
    void upgradeAndDowngradeReadTheNewerDebsChangelog() throws Exception {
        Cache cache = new Cache(tmp.resolve("cache-both"));
        cached(cache, tool("2:1.4-1", TEXT.substring(TEXT.indexOf("tool (2:1.4-1)")), ""));
        cached(cache, tool("2:1.5-1", TEXT, ""));
        Changelogs c = new Changelogs(cache);
        Changelogs.Changelog up = c.between("tool", "amd64", "2:1.4-1", "2:1.5-1");
        assertTrue(up.available(), up.note());
        assertEquals(List.of("2:1.5-1", "2:1.4-2"), up.entries().stream().map(Changelogs.Entry::version).toList());
        Changelogs.Changelog down = c.between("tool", "amd64", "2:1.5-1", "2:1.4-1");
        assertTrue(down.available(), down.note());
        assertEquals(up.entries(), down.entries(), "a downgrade shows what it takes back");
    }

    @Test
    void withoutBothDebsOrAChangelogTheNoteSaysWhy() throws Exception {
        Cache cache = new Cache(tmp.resolve("cache-one"));
        cached(cache, tool("3.0-1", TEXT, ""));
        Changelogs.Changelog one = new Changelogs(cache).between("tool", "amd64", "2.9-1", "3.0-1");
        assertFalse(one.available());
        assertEquals("the .deb of 2.9-1 is not in peel's cache", one.note());
        assertFalse(new Changelogs(null).between("tool", "amd64", "2.9-1", "3.0-1").available());

        Cache bare = new Cache(tmp.resolve("cache-bare"));
        cached(bare, tool("4.0-1", null, ""));
        cached(bare, tool("4.0-2", null, ""));
        Changelogs.Changelog none = new Changelogs(bare).between("tool", "amd64", "4.0-1", "4.0-2");
        assertFalse(none.available());
        assertEquals("the .deb of 4.0-2 has no usr/share/doc/tool/changelog.Debian.gz", none.note());

        Cache linked = new Cache(tmp.resolve("cache-linked"));
        cached(linked, tool("6.0-1", null, ""));
        Path build = Files.createDirectories(tmp.resolve("linked-deb/DEBIAN"));
        Files.writeString(build.resolve("control"), "Package: tool\nVersion: 6.0-2\nArchitecture: amd64\n"
                + "Maintainer: A <a@example.invalid>\nDescription: tool\n");
        Files.createDirectories(tmp.resolve("linked-deb/usr/share/doc"));
        Files.createSymbolicLink(tmp.resolve("linked-deb/usr/share/doc/tool"), Path.of("tool-common"));
        Path deb = tmp.resolve("tool_6.0-2_amd64.deb");
        dev.peel.testing.Tools.run("dpkg-deb", "--root-owner-group", "--build", tmp.resolve("linked-deb").toString(), deb.toString()).ok();
        cached(linked, new DebRepo.Deb("tool", "6.0-2", "amd64", deb, ""));
        Changelogs.Changelog other = new Changelogs(linked).between("tool", "amd64", "6.0-1", "6.0-2");
        assertFalse(other.available());
        assertEquals("in the .deb of 6.0-2, usr/share/doc/tool is a symlink to tool-common, and no .deb of tool-common 6.0-2"
                + " with its changelog is in peel's cache", other.note());

        cached(linked, repo.debOf("tool-common", "6.0-2", "all", Map.of(), Map.of("usr/share/doc/tool-common/changelog.Debian.gz",
                gzip("tool (6.0-2) unstable; urgency=low\n\n  * Shared.\n\n -- A <a@example.invalid>  Mon, 05 May 2025 10:00:00 +0000\n"))));
        Changelogs.Changelog shared = new Changelogs(linked).between("tool", "amd64", "6.0-1", "6.0-2");
        assertTrue(shared.available(), shared.note());
        assertEquals("from tool-common 6.0-2 (usr/share/doc/tool links to it)", shared.note());
        assertEquals(List.of("6.0-2"), shared.entries().stream().map(Changelogs.Entry::version).toList());
    }

    @Test
    void twoDebsUnderOneVersionAreAmbiguousUnlessALockNamesOne() throws Exception {
        Cache cache = new Cache(tmp.resolve("cache-twice"));
        cached(cache, tool("5.0-1", "tool (5.0-1) unstable; urgency=low\n\n  * Five.\n\n -- A <a@example.invalid>  Mon, 05 May 2025 10:00:00 +0000\n", ""));
        String rebuilt = "tool (5.0-2) unstable; urgency=low\n\n  * Rebuilt elsewhere.\n\n -- B <b@example.invalid>  Mon, 05 May 2025 10:00:00 +0000\n";
        String good = "tool (5.0-2) unstable; urgency=low\n\n  * The real one.\n\n -- A <a@example.invalid>  Mon, 05 May 2025 10:00:00 +0000\n";
        cached(cache, tool("5.0-2", rebuilt, " rebuilt"));
        String hex = cached(cache, tool("5.0-2", good, ""));
        Changelogs.Changelog unsure = new Changelogs(cache).between("tool", "amd64", "5.0-1", "5.0-2");
        assertFalse(unsure.available());
        assertTrue(unsure.note().contains("several different .debs of tool 5.0-2"), unsure.note());

        Lock lock = new Lock(null, List.of(), Map.of("amd64", List.of(
                new Lock.LockedPackage("tool", "5.0-2", "amd64", "tool", "file:/pool/", "unstable", "main", "t.deb", hex, 1))));
        Changelogs.Changelog sure = new Changelogs(cache, List.of(lock)).between("tool", "amd64", "5.0-1", "5.0-2");
        assertTrue(sure.available(), sure.note());
        assertTrue(sure.entries().get(0).text().contains("The real one."), sure.entries().toString());
    }
}
