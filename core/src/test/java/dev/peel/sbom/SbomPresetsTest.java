package dev.peel.sbom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.build.Build;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.build.Resolution;
import dev.peel.cache.Cache;
import dev.peel.debian.Lock;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecParser;
import dev.peel.tar.TarReader;
import dev.peel.testing.Tools;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The static, base, java17 and python3 presets, built once each for amd64 from the real mirror, and their SBOMs. */
class SbomPresetsTest {
    static final List<String> PRESETS = List.of("static", "base", "java17", "python3");
    @TempDir
    static Path tmp;
    static Cache cache;
    static final Map<String, Image> images = new LinkedHashMap<>();
    static final Map<String, Lock> locks = new LinkedHashMap<>();
    static final Map<String, Sbom> sboms = new LinkedHashMap<>();

    static BuildOptions options(Cache c) {
        return new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(c, System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now()));
    }

    static Spec preset(String name, Path dir) throws Exception {
        Files.createDirectories(dir);
        return SpecParser.parsePreset(name, dir).withArchs(List.of("amd64"));
    }

    @BeforeAll
    static void build() throws Exception {
        cache = new Cache(tmp.resolve("cache"));
        for (String name : PRESETS) {
            Path dir = tmp.resolve(name);
            Spec s = preset(name, dir);
            Lock lock = Resolution.lock(s, s.archs(), System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now(), cache);
            Build.Result r = new Build(preset(name, dir), options(cache)).run(Outputs.layout(dir.resolve("out")));
            images.put(name, r.images().get(0));
            locks.put(name, lock);
            sboms.put(name, Sbom.read(r.images().get(0), name, lock));
        }
    }

    @Test
    void listsExactlyThePackagesDpkgQueryListsWithTheLocksHashes() throws Exception {
        Tools.require("dpkg-query");
        for (String name : PRESETS) {
            Path admin = Files.createDirectories(tmp.resolve("admin-" + name));
            Files.createDirectories(admin.resolve("info"));
            Files.createDirectories(admin.resolve("updates"));
            StringBuilder status = new StringBuilder();
            for (Map.Entry<String, byte[]> e : files(images.get(name), "var/lib/dpkg/status.d/").entrySet()) {
                if (!e.getKey().endsWith(".md5sums")) {
                    status.append(new String(e.getValue(), StandardCharsets.UTF_8)).append('\n');
                }
            }
            Files.writeString(admin.resolve("status"), status);
            String listed = Tools.run("dpkg-query", "--admindir=" + admin, "-W", "-f", "${Package} ${Version} ${Architecture}\\n").ok().out();
            Sbom s = sboms.get(name);
            assertEquals(listed.lines().sorted().toList(),
                    s.packages().stream().map(p -> p.name() + " " + p.version() + " " + p.arch()).sorted().toList(), name);
            Map<String, String> lockSums = locks.get(name).archs().get("amd64").stream()
                    .collect(Collectors.toMap(Lock.LockedPackage::name, Lock.LockedPackage::sha256));
            for (Sbom.Package p : s.packages()) {
                assertEquals(lockSums.get(p.name()), p.sha256(), name + " " + p.name());
                assertTrue(p.downloadLocation().contains("/pool/") && p.downloadLocation().endsWith(".deb"), p.downloadLocation());
                assertTrue(p.purl().startsWith("pkg:deb/debian/" + Purl.encode(p.name()) + "@") && p.purl().contains("&distro=debian-12"), p.purl());
            }
        }
    }

    @Test
    void everyFileOfEveryLayerIsAccountedForWithItsSha256() throws Exception {
        for (String name : PRESETS) {
            Map<String, String> tree = tree(images.get(name));
            Sbom s = sboms.get(name);
            Map<String, String> listed = s.files().stream().collect(Collectors.toMap(Sbom.File::path, Sbom.File::sha256));
            assertEquals(tree, new TreeMap<>(listed), name + ": the SBOM lists the final tree, each file with its sha256");
            List<String> unaccounted = s.files().stream().filter(f -> f.owner() == Sbom.Owner.UNACCOUNTED).map(Sbom.File::path).toList();
            assertEquals(List.of(), unaccounted, name);
            Map<String, Sbom.File> byPath = s.files().stream().collect(Collectors.toMap(Sbom.File::path, f -> f));
            if (!name.equals("static")) {
                assertEquals(Sbom.packageId("libc6", "amd64"), either(byPath, "lib/x86_64-linux-gnu/libc.so.6").ownerId(), name);
                assertEquals(Sbom.packageId("libc-bin", "amd64"), byPath.get("etc/ld.so.cache").ownerId(), name + ": generated, in md5sums");
                assertEquals(Sbom.packageId("libc6", "amd64"), either(byPath, "lib64/ld-linux-x86-64.so.2").ownerId(),
                        name + ": a symlink of libc6's layer");
            }
            assertEquals(Sbom.packageId("ca-certificates", "all"), byPath.get("etc/ssl/certs/ca-certificates.crt").ownerId(), name);
            assertEquals(Sbom.Owner.IMAGE, byPath.get("etc/passwd").owner(), name + ": the spec's accounts");
            assertEquals(Sbom.Owner.IMAGE, byPath.get("var/lib/dpkg/status.d/base-files").owner(), name + ": the database");
        }
    }

    /** The file at /PATH or, with merged /usr, at /usr/PATH. */
    static Sbom.File either(Map<String, Sbom.File> byPath, String path) {
        Sbom.File f = byPath.containsKey(path) ? byPath.get(path) : byPath.get("usr/" + path);
        assertTrue(f != null, path);
        return f;
    }

    @Test
    void validatesWithSpdxToolsAndCycloneDxsSchema() throws Exception {
        for (String name : PRESETS) {
            SbomOracles.assertValidSpdx(sboms.get(name).write(SbomFormat.SPDX), tmp.resolve("v-" + name));
            SbomOracles.assertValidCycloneDx(sboms.get(name).write(SbomFormat.CYCLONEDX), tmp.resolve("v-" + name));
        }
    }

    @Test
    void copyrightFilesBehindDocSymlinksGiveLicences() throws Exception {
        Map<String, Sbom.Package> java = sboms.get("java17").packages().stream().collect(Collectors.toMap(Sbom.Package::name, p -> p));
        Sbom.Package stdcxx = java.get("libstdc++6");
        assertTrue(stdcxx.copyright() != null && stdcxx.copyright().startsWith("usr/share/doc/gcc-12-base/"), String.valueOf(stdcxx.copyright()));
        Map<String, Sbom.Package> py = sboms.get("python3").packages().stream().collect(Collectors.toMap(Sbom.Package::name, p -> p));
        assertTrue(py.get("libpython3.11-stdlib").copyright() != null, "libpython3.11-stdlib's doc folder is a symlink");
        Map<String, Sbom.Package> base = sboms.get("base").packages().stream().collect(Collectors.toMap(Sbom.Package::name, p -> p));
        assertNotEquals("NOASSERTION", base.get("libssl3").license(), "openssl's copyright file is DEP-5");
        assertTrue(base.get("libssl3").license().contains("Apache-2.0"), base.get("libssl3").license());
    }

    @Test
    void aSecondBuildGivesTheSameBytes() throws Exception {
        Path dir = tmp.resolve("static-again");
        Files.createDirectories(dir);
        Files.copy(tmp.resolve("static/static.lock.json"), dir.resolve("static.lock.json"));
        Build.Result r = new Build(preset("static", dir), options(new Cache(tmp.resolve("other-cache"))))
                .run(Outputs.layout(dir.resolve("out")));
        Lock lock = Lock.parse(Files.readAllBytes(dir.resolve("static.lock.json")));
        for (SbomFormat f : SbomFormat.values()) {
            assertArrayEquals(sboms.get("static").write(f), Sbom.read(r.images().get(0), "static", lock).write(f), f.word());
        }
    }

    /** The final tree by an independent walk: path → sha256 of the bytes (of the target text for a symlink). */
    static Map<String, String> tree(Image img) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (Layer l : img.layers()) {
            try (InputStream in = l.openUncompressed(); TarReader r = new TarReader(in)) {
                for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                    String p = h.path();
                    assertTrue(!p.contains(".wh."), "peel writes no whiteouts: " + p);
                    if (h.isRegular()) {
                        out.put(p, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r.data().readAllBytes())));
                    } else if (h.type() == '2') {
                        out.put(p, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(h.linkName().getBytes(StandardCharsets.UTF_8))));
                    } else if (h.type() == '1') {
                        out.put(p, out.get(h.linkName().replaceFirst("^/", "")));
                    } else if (h.isDirectory()) {
                        out.remove(p);
                    }
                }
            }
        }
        return out;
    }

    static Map<String, byte[]> files(Image img, String prefix) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        for (Layer l : img.layers()) {
            try (InputStream in = l.openUncompressed(); TarReader r = new TarReader(in)) {
                for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                    if (h.isRegular() && h.path().startsWith(prefix)) {
                        out.put(h.path(), r.data().readAllBytes());
                    }
                }
            }
        }
        return out;
    }
}
