package dev.peel.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.cache.Cache;
import dev.peel.debian.DebArchive;
import dev.peel.debian.Lock;
import dev.peel.oci.Digest;
import dev.peel.tar.Compression;
import dev.peel.tar.TarEntry;
import dev.peel.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Package layers from .debs that dpkg-deb builds here, in every compression it offers. */
class PackageLayerTest {
    @TempDir
    Path tmp;
    int serial;

    /** Builds a .deb of {@code tree} with dpkg-deb; returns it. */
    Path deb(String name, String version, String extraControl, String compression, Map<String, String> files,
             Map<String, String> symlinks) throws Exception {
        Tools.require("dpkg-deb");
        Path root = Files.createDirectories(tmp.resolve("src-" + name + "-" + compression + "-" + (++serial)));
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.writeString(root.resolve("DEBIAN/control"), "Package: " + name + "\nVersion: " + version
                + "\nArchitecture: amd64\nMaintainer: peel tests <t@example.invalid>\n" + extraControl
                + "Description: test package\n a test\n");
        for (var f : files.entrySet()) {
            Path p = root.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        for (var l : symlinks.entrySet()) {
            Path p = root.resolve(l.getKey());
            Files.createDirectories(p.getParent());
            Files.createSymbolicLink(p, Path.of(l.getValue()));
        }
        Path out = tmp.resolve(name + "-" + compression + "-" + serial + ".deb");
        Tools.run("dpkg-deb", "--root-owner-group", "-Z" + compression, "--build", root.toString(), out.toString()).ok();
        return out;
    }

    Path sample(String compression) throws Exception {
        Path d = deb("sample", "1.0-1", "", compression, Map.of("usr/bin/tool", "#!/bin/sh\n", "etc/sample.conf", "x=1\n"),
                Map.of("usr/bin/alias", "tool"));
        return d;
    }

    static Lock.LockedPackage locked(String name, String version, Path deb) throws IOException {
        return new Lock.LockedPackage(name, version, "amd64", name, "file:///nowhere/", "main", "main", "pool/x.deb",
                Digest.of(Files.readAllBytes(deb)).hex(), Files.size(deb));
    }

    PackageLayer build(Path deb, String name, String version, MergedUsr usr) throws Exception {
        Cache cache = new Cache(tmp.resolve("cache"));
        return PackageLayer.build(cache, deb, locked(name, version, deb), usr, 0, Compression.GZIP, 6, n -> { });
    }

    @Test
    void everyCompressionDpkgDebWritesGivesTheSameLayer() throws Exception {
        PackageLayer gz = build(sample("gzip"), "sample", "1.0-1", MergedUsr.NONE);
        for (String c : List.of("xz", "zstd", "none")) {
            PackageLayer other = build(sample(c), "sample", "1.0-1", MergedUsr.NONE);
            assertEquals(gz.layer().diffId(), other.layer().diffId(), c);
        }
        dev.peel.debian.XzSwitch.javaOnly(true);
        try {
            assertEquals(gz.layer().diffId(), build(sample("xz"), "sample", "1.0-1", MergedUsr.NONE).layer().diffId(),
                    "the pure-Java xz decoder gives the same layer as the system's xz");
        } finally {
            dev.peel.debian.XzSwitch.javaOnly(false);
        }
        List<String> paths = gz.entries().stream().map(Listing.Entry::path).toList();
        assertTrue(paths.containsAll(List.of("usr/bin/tool", "usr/bin/alias", "etc/sample.conf",
                "var/lib/dpkg/status.d/sample", "var/lib/dpkg/status.d/sample.md5sums")), paths.toString());
        Listing.Entry link = gz.entries().stream().filter(e -> e.path().equals("usr/bin/alias")).findFirst().orElseThrow();
        assertEquals(TarEntry.Type.SYMLINK, link.type());
        assertEquals("tool", link.value());
        String md5 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                .digest("#!/bin/sh\n".getBytes(StandardCharsets.UTF_8)));
        assertTrue(new String(sumsOf(gz), StandardCharsets.UTF_8).contains(md5 + "  usr/bin/tool\n"),
                "md5sums computed as dpkg does for a package that ships none");
    }

    /** An ar archive of the given members, as dpkg-deb writes them. */
    static byte[] ar(Map<String, byte[]> members) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write("!<arch>\n".getBytes(StandardCharsets.US_ASCII));
        for (var m : members.entrySet()) {
            String h = String.format("%-16s%-12s%-6s%-6s%-8s%-10s`\n", m.getKey(), "0", "0", "0", "100644", m.getValue().length);
            out.write(h.getBytes(StandardCharsets.US_ASCII));
            out.write(m.getValue());
            if (m.getValue().length % 2 == 1) {
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    /** The members of a .deb (via dpkg-deb's own extraction, re-tarred), for hand-made variants. */
    Map<String, byte[]> parts(Path deb) throws Exception {
        Path x = Files.createDirectories(tmp.resolve("x-" + deb.getFileName()));
        Tools.run("dpkg-deb", "-R", deb.toString(), x.toString()).ok();
        Path control = tmp.resolve("control.tar.gz");
        Tools.run("tar", "-C", x.resolve("DEBIAN").toString(), "--owner=0", "--group=0", "-czf", control.toString(), ".").ok();
        Path data = tmp.resolve("data.tar");
        Tools.run("tar", "-C", x.toString(), "--exclude=./DEBIAN", "--owner=0", "--group=0", "-cf", data.toString(), ".").ok();
        Map<String, byte[]> m = new java.util.LinkedHashMap<>();
        m.put("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
        m.put("control.tar.gz", Files.readAllBytes(control));
        m.put("data.tar", Files.readAllBytes(data));
        return m;
    }

    @Test
    void aBzip2DataTarIsReadToo() throws Exception {
        Map<String, byte[]> m = parts(sample("gzip"));
        ByteArrayOutputStream bz = new ByteArrayOutputStream();
        try (OutputStream o = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(bz)) {
            o.write(m.remove("data.tar"));
        }
        m.put("data.tar.bz2", bz.toByteArray());
        Path deb = Files.write(tmp.resolve("bz.deb"), ar(m));
        PackageLayer l = build(deb, "sample", "1.0-1", MergedUsr.NONE);
        assertTrue(l.entries().stream().anyMatch(e -> e.path().equals("usr/bin/tool")));
    }

    @Test
    void somethingElseThanADebIsRefusedNamingThePackage() throws Exception {
        Path notAr = Files.writeString(tmp.resolve("junk.deb"), "hello");
        var e = assertThrows(DebArchive.BadPackage.class, () -> build(notAr, "junk", "1", MergedUsr.NONE));
        assertTrue(e.getMessage().contains("junk 1") && e.getMessage().contains("not a Debian package"), e.getMessage());

        Map<String, byte[]> m = parts(sample("gzip"));
        m.put("data.tar.lzma", m.remove("data.tar"));
        Path lzma = Files.write(tmp.resolve("lzma.deb"), ar(m));
        e = assertThrows(DebArchive.BadPackage.class, () -> build(lzma, "sample", "1.0-1", MergedUsr.NONE));
        assertTrue(e.getMessage().contains("unexpected member data.tar.lzma"), e.getMessage());

        Map<String, byte[]> v3 = parts(sample("gzip"));
        v3.put("debian-binary", "3.0\n".getBytes(StandardCharsets.US_ASCII));
        Path three = Files.write(tmp.resolve("v3.deb"), ar(v3));
        e = assertThrows(DebArchive.BadPackage.class, () -> build(three, "sample", "1.0-1", MergedUsr.NONE));
        assertTrue(e.getMessage().contains("format 3.0"), e.getMessage());

        e = assertThrows(DebArchive.BadPackage.class, () -> build(sample("xz"), "sample", "2.0-1", MergedUsr.NONE));
        assertTrue(e.getMessage().contains("the .deb says it is sample 1.0-1"), e.getMessage());
    }

    static final MergedUsr USR = MergedUsr.of(Map.of("bin", "usr/bin", "sbin", "usr/sbin", "lib", "usr/lib"));

    @Test
    void mergedUsrMovesPathsAndKeepsRelativeLinksPointingWhereTheyDid() throws Exception {
        Path d = deb("old", "1", "", "xz", Map.of("bin/tool", "t", "lib/x/data", "d", "usr/bin/y", "y"),
                Map.of("bin/rel", "../lib/x/data", "sbin/up", "../usr/bin/y", "bin/abs", "/usr/bin/y"));
        PackageLayer l = build(d, "old", "1", USR);
        Map<String, Listing.Entry> byPath = new java.util.HashMap<>();
        l.entries().forEach(e -> byPath.put(e.path(), e));
        assertTrue(byPath.containsKey("usr/bin/tool") && byPath.containsKey("usr/lib/x/data"), byPath.keySet().toString());
        assertTrue(byPath.keySet().stream().noneMatch(p -> p.matches("(bin|sbin|lib)(/.*)?")), byPath.keySet().toString());
        assertEquals("../lib/x/data", byPath.get("usr/bin/rel").value());
        assertEquals("../bin/y", byPath.get("usr/sbin/up").value());
        assertEquals("/usr/bin/y", byPath.get("usr/bin/abs").value());
        String sums = new String(sumsOf(l), StandardCharsets.UTF_8);
        assertTrue(sums.contains("  usr/bin/tool\n") && !sums.contains("  bin/tool"), sums);

        Path bad = deb("rebel", "1", "", "xz", Map.of("usr/share/rebel", "r"), Map.of("bin", "/opt/bin"));
        var e = assertThrows(DebArchive.BadPackage.class, () -> build(bad, "rebel", "1", USR));
        assertTrue(e.getMessage().contains("would replace the merged-/usr symlink /bin"), e.getMessage());
    }

    static byte[] sumsOf(PackageLayer l) throws IOException {
        try (var in = Compression.GZIP.decompress(l.layer().open()); var r = new dev.peel.tar.TarReader(in)) {
            for (var h = r.next(); h != null; h = r.next()) {
                if (h.path().endsWith(".md5sums")) {
                    return r.data().readAllBytes();
                }
            }
        }
        return new byte[0];
    }

    @Test
    void overlapsNeedReplacesAndTheReplacingPackageLiesAbove() throws Exception {
        PackageLayer a = build(deb("aaa", "1", "", "xz", Map.of("usr/share/common", "A", "usr/share/same", "S"), Map.of()),
                "aaa", "1", MergedUsr.NONE);
        PackageLayer z = build(deb("zzz", "2", "", "xz", Map.of("usr/share/common", "Z", "usr/share/same", "S"), Map.of()),
                "zzz", "2", MergedUsr.NONE);
        var e = assertThrows(Installer.InstallException.class, () -> Installer.order(List.of(a, z), "amd64"));
        assertTrue(e.getMessage().contains("/usr/share/common is shipped by aaa 1 and by zzz 2 (amd64) with different content"),
                e.getMessage());

        PackageLayer newer = build(deb("aaa-new", "3", "Replaces: zzz (<< 3)\n", "xz", Map.of("usr/share/common", "N"), Map.of()),
                "aaa-new", "3", MergedUsr.NONE);
        List<String> order = new ArrayList<>();
        Installer.order(List.of(newer, z), "amd64").forEach(p -> order.add(p.name()));
        assertEquals(List.of("zzz", "aaa-new"), order, "aaa-new replaces zzz, so it goes above it although it sorts first");

        PackageLayer stale = build(deb("aaa-old", "3", "Replaces: zzz (<< 2)\n", "xz", Map.of("usr/share/common", "O"), Map.of()),
                "aaa-old", "3", MergedUsr.NONE);
        assertThrows(Installer.InstallException.class, () -> Installer.order(List.of(stale, z), "amd64"),
                "Replaces with a version that zzz 2 does not satisfy does not count");
    }
}
