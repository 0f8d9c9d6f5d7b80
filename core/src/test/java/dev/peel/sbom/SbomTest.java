package dev.peel.sbom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.debian.Lock;
import dev.peel.image.BuiltImage;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.image.LayerWriter;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Json;
import dev.peel.tar.Compression;
import dev.peel.tar.Content;
import dev.peel.tar.TarEntry;
import dev.peel.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An ordinary Debian image (a /var/lib/dpkg/status database, info/*.md5sums and .list) made here, read back. */
class SbomTest {
    @TempDir
    Path tmp;

    static final String STATUS = """
            Package: libfoo1
            Status: install ok installed
            Architecture: amd64
            Multi-Arch: same
            Source: foo (0:1.0-1)
            Version: 0:1.0+dfsg-1
            Maintainer: Foo Maintainers <foo@lists.example.org>
            Description: a library

            Package: app
            Status: install ok installed
            Architecture: all
            Version: 2
            Maintainer: Jane Doe <jane@example.org>
            Pre-Depends: missing | libfoo1 (>= 1)
            Depends: mail-transport-agent, libfoo1:any
            Description: an app

            Package: mta
            Status: install ok installed
            Architecture: amd64
            Version: 1
            Provides: mail-transport-agent
            Description: a mail agent

            Package: gone
            Status: deinstall ok config-files
            Architecture: amd64
            Version: 1
            Description: removed
            """;

    static final String COPYRIGHT = """
            Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
            Upstream-Name: foo

            Files: *
            Copyright: 2020 Foo
            License: GPL-2+ or Expat

            Files: lib/*
            Copyright: 2020 Foo
            License: LGPL-2.1+ with GCC-exception-3.1

            Files: odd/*
            Copyright: 2020 Foo
            License: Foo-licence
             You may do anything with foo
             .
             but be nice.

            License: GPL-2+
             On Debian systems, see /usr/share/common-licenses/GPL-2.
            """;

    static TarEntry file(String path, String text) {
        return TarEntry.file(path, 0644, 0, 0, 0, Content.ofBytes(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** A copyright file that is not DEP-5: its licence is NOASSERTION, and its text is carried instead. */
    static final String MTA_COPYRIGHT = "This is mta, written by A. Author.\n\nCopyright 1999 A. Author; see /usr/share/common-licenses/GPL-2.\n";

    static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    Image image(Path dir) throws Exception {
        List<TarEntry> lower = new ArrayList<>(List.of(
                file("var/lib/dpkg/status", STATUS),
                file("var/lib/dpkg/info/libfoo1:amd64.md5sums", md5("lib") + "  usr/lib/x86_64-linux-gnu/libfoo.so.1.0\n"
                        + md5(COPYRIGHT) + "  usr/share/doc/libfoo1/copyright\n"),
                file("var/lib/dpkg/info/app.list", "/.\n/bin\n/bin/app\n/usr/share/doc/app\n"),
                file("var/lib/dpkg/info/mta.md5sums", md5("mta") + "  usr/sbin/mta\n" + md5(MTA_COPYRIGHT)
                        + "  usr/share/doc/mta/copyright\n"),
                file("usr/share/doc/mta/copyright", MTA_COPYRIGHT),
                file("usr/lib/x86_64-linux-gnu/libfoo.so.1.0", "lib"),
                TarEntry.symlink("usr/lib/x86_64-linux-gnu/libfoo.so.1", "libfoo.so.1.0", 0, 0, 0),
                file("usr/share/doc/libfoo1/copyright", COPYRIGHT),
                TarEntry.symlink("usr/share/doc/app", "libfoo1", 0, 0, 0),
                TarEntry.symlink("bin", "usr/bin", 0, 0, 0),
                file("usr/bin/app", "#!/bin/sh\n"),
                file("usr/sbin/mta", "mta"),
                file("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
                TarEntry.symlink("etc/os-release", "../usr/lib/os-release", 0, 0, 0),
                file("etc/hostname", "box\n"),
                file("tmp/gone", "x"),
                file("opt/o/old", "x")));
        List<TarEntry> upper = new ArrayList<>(List.of(
                file("tmp/.wh.gone", ""),
                file("opt/o/.wh..wh..opq", ""),
                file("opt/o/new", "new"),
                TarEntry.hardlink("usr/sbin/mta2", "usr/sbin/mta", 0644, 0, 0, 0)));
        lower.sort(java.util.Comparator.comparing(TarEntry::path));
        upper.sort(java.util.Comparator.comparing(TarEntry::path));
        List<Layer> layers = List.of(new LayerWriter(Compression.GZIP).write(lower, dir), new LayerWriter(Compression.GZIP).write(upper, dir));
        ImageConfig c = new ImageConfig("2024-05-06T07:08:09.123456789Z", "linux", "amd64", null, ImageConfig.Container.empty(),
                layers.stream().map(Layer::diffId).toList(), List.of());
        return new BuiltImage(c, layers, Map.of());
    }

    @Test
    void anOrdinaryDebianImageGivesItsInstalledPackagesFilesAndLicences() throws Exception {
        Image img = image(tmp);
        Lock.LockedPackage lp = new Lock.LockedPackage("libfoo1", "0:1.0+dfsg-1", "amd64", "foo", "http://deb.example.org/debian/", "bookworm",
                "main", "pool/main/f/foo/libfoo1_1.0+dfsg-1_amd64.deb", "a".repeat(64), 10);
        Lock lock = new Lock(null, List.of(), Map.of("amd64", List.of(lp)));
        Sbom s = Sbom.read(img, "registry.example/team/app:1", lock);
        Map<String, Sbom.Package> byName = s.packages().stream().collect(Collectors.toMap(Sbom.Package::name, p -> p));
        assertEquals(List.of("app", "libfoo1", "mta"), s.packages().stream().map(Sbom.Package::name).toList(), "installed only");

        Sbom.Package foo = byName.get("libfoo1");
        assertEquals("0:1.0+dfsg-1", foo.version(), "the epoch as written");
        assertEquals("foo", foo.source());
        assertEquals("0:1.0-1", foo.sourceVersion());
        assertEquals("Organization: Foo Maintainers (foo@lists.example.org)", foo.supplier());
        assertEquals("http://deb.example.org/debian/pool/main/f/foo/libfoo1_1.0+dfsg-1_amd64.deb", foo.downloadLocation());
        assertEquals("a".repeat(64), foo.sha256());
        assertEquals("pkg:deb/debian/libfoo1@0:1.0%2Bdfsg-1?arch=amd64&distro=debian-12&upstream=foo", foo.purl());
        assertEquals("(GPL-2.0-or-later OR MIT) AND (LGPL-2.1-or-later WITH GCC-exception-3.1) AND LicenseRef-Foo-licence",
                foo.license());
        assertEquals("You may do anything with foo\n\nbut be nice.", s.licenseRefs().get("LicenseRef-Foo-licence"));

        Sbom.Package app = byName.get("app");
        assertEquals("Person: Jane Doe (jane@example.org)", app.supplier());
        assertEquals("NOASSERTION", app.downloadLocation(), "not in the lock");
        assertNull(app.sha256());
        assertEquals(foo.license(), app.license(), "its doc folder is a symlink to libfoo1's");
        assertEquals(List.of(foo.id(), byName.get("mta").id()), app.dependsOn(), "an alternative's installed member, a provider");

        Sbom.Package mta = byName.get("mta");
        assertEquals("NOASSERTION", mta.license(), "not machine-readable");
        assertEquals(MTA_COPYRIGHT, mta.copyrightText(), "the text is carried instead");
        assertNull(foo.copyrightText(), "a DEP-5 file gives the expression, not the text");

        Map<String, Sbom.File> files = s.files().stream().collect(Collectors.toMap(Sbom.File::path, f -> f));
        assertFalse(files.containsKey("tmp/gone"), "whited out");
        assertFalse(files.containsKey("opt/o/old"), "under an opaque directory");
        assertTrue(files.containsKey("opt/o/new"), "the opaque layer's own entry stays");
        assertEquals(app.id(), files.get("usr/bin/app").ownerId(), "/bin/app of the list, through the /bin symlink");
        assertEquals(app.id(), files.get("usr/share/doc/app").ownerId(), "a symlink the .list names");
        assertEquals(foo.id(), files.get("usr/lib/x86_64-linux-gnu/libfoo.so.1.0").ownerId());
        assertEquals(Sbom.Owner.UNACCOUNTED, files.get("usr/lib/x86_64-linux-gnu/libfoo.so.1").owner(), "md5sums lists no symlinks");
        assertEquals(Sbom.Owner.UNACCOUNTED, files.get("etc/hostname").owner());
        assertEquals(Sbom.Owner.IMAGE, files.get("var/lib/dpkg/status").owner());
        assertEquals(files.get("usr/sbin/mta").sha256(), files.get("usr/sbin/mta2").sha256(), "a hard link has its target's bytes");
        assertEquals(Digest.of("mta".getBytes(StandardCharsets.UTF_8)).hex(), files.get("usr/sbin/mta2").sha256());
        assertEquals(Digest.of("libfoo.so.1.0".getBytes(StandardCharsets.UTF_8)).hex(),
                files.get("usr/lib/x86_64-linux-gnu/libfoo.so.1").sha256(), "a symlink's checksum is its target text's");

        byte[] spdx = s.write(SbomFormat.SPDX);
        byte[] cdx = s.write(SbomFormat.CYCLONEDX);
        assertArrayEquals(spdx, Sbom.read(image(tmp.resolve("again")), "registry.example/team/app:1", lock).write(SbomFormat.SPDX));
        assertArrayEquals(cdx, Sbom.read(image(tmp.resolve("again2")), "registry.example/team/app:1", lock).write(SbomFormat.CYCLONEDX));
        Map<String, Object> doc = Json.parseObject(spdx);
        assertEquals("2024-05-06T07:08:09Z", Json.obj(doc, "creationInfo").get("created"), "the config's time, in seconds");
        assertEquals(List.of("SPDXRef-Image"), doc.get("documentDescribes"));
        String bom = new String(cdx, StandardCharsets.UTF_8);
        assertTrue(bom.contains("\"purl\": \"pkg:oci/app@sha256%3A" + img.digest().hex() + "?arch=amd64\""), bom.substring(0, 1500));
        assertTrue(bom.contains("\"name\": \"peel:unaccounted\""));
        assertTrue(bom.contains("\"copyright\": \"This is mta, written by A. Author."), "CycloneDX carries the text");
        assertTrue(Json.arr(Json.parseObject(spdx), "packages").stream().anyMatch(o -> o instanceof Map<?, ?> m
                && "mta".equals(m.get("name")) && MTA_COPYRIGHT.equals(m.get("copyrightText"))), "SPDX carries the text");

        SbomOracles.assertValidSpdx(spdx, tmp.resolve("v"));
        SbomOracles.assertValidCycloneDx(cdx, tmp.resolve("v"));
        // packageurl-js reads the purls back to what they encode.
        Tools.Run r = Tools.node("const {PackageURL} = require('packageurl-js'); const p = PackageURL.fromString(process.argv[2]);"
                + " console.log([p.namespace, p.name, p.version, p.qualifiers.arch, p.qualifiers.distro, p.qualifiers.upstream].join(' '));",
                List.of(foo.purl()), 60).ok();
        assertEquals("debian libfoo1 0:1.0+dfsg-1 amd64 debian-12 foo", r.out().strip());
    }

    @Test
    void licencesThatAreNotMachineReadableAreNoAssertion() {
        assertEquals("NOASSERTION", Licenses.of("This is foo, written by bar.\n\nGPL.\n".getBytes(StandardCharsets.UTF_8), "x").expression());
        assertEquals("NOASSERTION", Licenses.of(null, "x").expression());
        Licenses.Found pd = Licenses.of(("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
                + "Files: *\nCopyright: none\nLicense: public-domain\n").getBytes(StandardCharsets.UTF_8), "/usr/share/doc/x/copyright");
        assertEquals("LicenseRef-public-domain", pd.expression());
        assertTrue(pd.refs().get("LicenseRef-public-domain").contains("/usr/share/doc/x/copyright"));
    }
}
