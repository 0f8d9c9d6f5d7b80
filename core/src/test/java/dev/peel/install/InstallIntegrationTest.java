package dev.peel.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.peel.tar.Compression;
import dev.peel.tar.TarReader;
import dev.peel.testing.Tools;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real packages from the real mirror (read from the host's apt sources), installed into layers and
 * checked against dpkg's own tools: dpkg-deb for every file, dpkg-query for the status database, and the
 * image run in a user namespace.
 */
class InstallIntegrationTest {
    static final List<String> SET = List.of("base-files", "netbase", "tzdata", "ca-certificates", "libc6", "libssl3",
            "busybox-static", "openssl");

    @TempDir
    static Path tmp;
    static Cache cache;
    static Lock bookwormLock;
    static Build.Result bookworm;

    static BuildOptions options() {
        return new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(cache, System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now()));
    }

    static Path spec(String name, String suite, List<String> archs, List<String> packages, String extra) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Path f = dir.resolve("image.yaml");
        Files.writeString(f, "archs: [" + String.join(", ", archs) + "]\n" + extra + "debian:\n  suite: " + suite
                + "\n  packages: [" + String.join(", ", packages) + "]\n");
        return f;
    }

    static Build.Result build(Path specFile, Path out) throws Exception {
        return new Build(SpecParser.parse(specFile), options()).run(Outputs.layout(out));
    }

    @BeforeAll
    static void buildBookworm() throws Exception {
        cache = new Cache(tmp.resolve("cache"));
        Path f = spec("bookworm", "bookworm", List.of("amd64", "arm64"), SET, "");
        Spec s = SpecParser.parse(f);
        bookwormLock = Resolution.lock(s, s.archs(), System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now(), cache);
        bookworm = build(f, tmp.resolve("bookworm/out"));
    }

    /** A layer's entries as dpkg-deb -c prints them: "perms owner/group size path[ -> target| link to path]". */
    static List<String> listing(Layer l) throws Exception {
        List<String> out = new ArrayList<>();
        Compression c = Compression.ofMediaType(l.mediaType().toString());
        try (InputStream in = c.decompress(l.open()); TarReader r = new TarReader(in)) {
            for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                if (h.path().startsWith(PackageLayer.STATUS_DIR)) {
                    continue;
                }
                char t = switch (h.type()) {
                    case '5' -> 'd';
                    case '2' -> 'l';
                    case '1' -> 'h';
                    case '3' -> 'c';
                    case '4' -> 'b';
                    case '6' -> 'p';
                    default -> '-';
                };
                String path = "./" + h.path() + (h.isDirectory() ? "/" : "");
                String tail = h.type() == '2' ? " -> " + h.linkName() : h.type() == '1' ? " link to ./" + h.linkName() : "";
                out.add(t + perms(h.mode()) + " " + h.uname() + "/" + h.gname() + " " + (h.isRegular() ? h.size() : 0) + " " + path + tail);
            }
        }
        out.sort(null);
        return out;
    }

    static String perms(int mode) {
        StringBuilder b = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            b.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        if ((mode & 04000) != 0) {
            b.setCharAt(2, b.charAt(2) == 'x' ? 's' : 'S');
        }
        if ((mode & 02000) != 0) {
            b.setCharAt(5, b.charAt(5) == 'x' ? 's' : 'S');
        }
        if ((mode & 01000) != 0) {
            b.setCharAt(8, b.charAt(8) == 'x' ? 't' : 'T');
        }
        return b.toString();
    }

    static final Pattern DPKG_LINE = Pattern.compile("(\\S+) (\\S+)\\s+(\\d+) \\S+ \\S+ (.*)");

    /** dpkg-deb -c of a cached .deb, in the same shape, with merged-/usr rewriting applied. */
    static List<String> dpkgListing(Path deb, MergedUsr usr) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Tools.run("dpkg-deb", "-c", deb.toString()).ok().out().split("\n")) {
            Matcher m = DPKG_LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String rest = m.group(4);
            if (rest.equals("./")) {
                continue;
            }
            String path = rest;
            String tail = "";
            int arrow = rest.indexOf(" -> ");
            int link = rest.indexOf(" link to ");
            if (arrow > 0) {
                path = rest.substring(0, arrow);
                tail = rest.substring(arrow);
            } else if (link > 0) {
                path = rest.substring(0, link);
                tail = " link to ./" + usr.rewrite(rest.substring(link + 9).replaceFirst("^\\./", ""));
            }
            String bare = path.replaceFirst("^\\./", "").replaceFirst("/$", "");
            String alias = usr.aliasOf(bare);
            if (alias != null && bare.equals(alias) && m.group(1).startsWith("d")) {
                continue;
            }
            String moved = usr.rewrite(bare);
            if (arrow > 0 && !moved.equals(bare)) {
                tail = " -> " + usr.relink(bare, moved, rest.substring(arrow + 4));
            }
            out.add(m.group(1) + " " + m.group(2) + " " + m.group(3) + " ./" + moved + (path.endsWith("/") ? "/" : "") + tail);
        }
        // Parents of the status.d files, where the package does not ship them itself.
        for (String d : List.of("./var/", "./var/lib/", "./var/lib/dpkg/")) {
            if (out.stream().noneMatch(l -> l.endsWith(" " + d))) {
                out.add("drwxr-xr-x root/root 0 " + d);
            }
        }
        out.sort(null);
        return out;
    }

    static Path deb(Lock lock, String arch, String name) {
        Lock.LockedPackage p = lock.archs().get(arch).stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        return cache.file("debs", p.sha256()).orElseThrow();
    }

    static Map<String, Layer> layersByPackage(Image image) {
        Map<String, Layer> m = new TreeMap<>();
        var history = image.config().history();
        for (int i = 0; i < image.layers().size(); i++) {
            String c = history.get(i).comment();
            if (c.startsWith("debian package ")) {
                m.put(c.split(" ")[2], image.layers().get(i));
            }
        }
        return m;
    }

    static Image image(Build.Result r, String arch) {
        return r.images().stream().filter(i -> i.config().architecture().equals(arch)).findFirst().orElseThrow();
    }

    @Test
    void everyPackageLayerHoldsExactlyWhatDpkgDebLists() throws Exception {
        Tools.require("dpkg-deb");
        for (String arch : List.of("amd64", "arm64")) {
            Map<String, Layer> layers = layersByPackage(image(bookworm, arch));
            assertEquals(new TreeSet<>(bookwormLock.archs().get(arch).stream().map(Lock.LockedPackage::name).toList()),
                    layers.keySet(), "a layer per locked package, " + arch);
            for (var e : layers.entrySet()) {
                assertEquals(dpkgListing(deb(bookwormLock, arch, e.getKey()), MergedUsr.NONE), listing(e.getValue()),
                        e.getKey() + " " + arch);
            }
        }
    }

    static Path unpack(Path layout, Build.Result r, String arch, Path bundle) throws Exception {
        return dev.peel.testing.Rootfs.unpack(layout, image(r, arch), bundle);
    }

    static String inside(Path rootfs, String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of("unshare", "-r", "chroot", rootfs.toString()));
        c.addAll(List.of(cmd));
        return Tools.run(c, null, Map.of(), 60).ok().out();
    }

    @Test
    void theAmd64ImageRunsOpensslAndBusybox() throws Exception {
        Path rootfs = unpack(tmp.resolve("bookworm/out"), bookworm, "amd64", tmp.resolve("run-bundle"));
        assertTrue(inside(rootfs, "/usr/bin/openssl", "version").startsWith("OpenSSL 3."));
        assertEquals("ok\n", inside(rootfs, "/bin/busybox", "sh", "-c", "echo ok"));
        assertTrue(Files.isSymbolicLink(rootfs.resolve("etc/os-release")), "base-files' /etc/os-release symlink is kept");
    }

    @Test
    void dpkgQueryReadsTheStatusFilesAsTheInstalledSet() throws Exception {
        Path rootfs = unpack(tmp.resolve("bookworm/out"), bookworm, "amd64", tmp.resolve("status-bundle"));
        Path admin = Files.createDirectories(tmp.resolve("admindir"));
        Files.createDirectories(admin.resolve("info"));
        Files.createDirectories(admin.resolve("updates"));
        StringBuilder status = new StringBuilder();
        try (var files = Files.list(rootfs.resolve("var/lib/dpkg/status.d"))) {
            for (Path p : files.sorted().toList()) {
                if (!p.getFileName().toString().endsWith(".md5sums")) {
                    status.append(Files.readString(p)).append('\n');
                }
            }
        }
        Files.writeString(admin.resolve("status"), status);
        String listed = Tools.run("dpkg-query", "--admindir=" + admin, "-W", "-f", "${Package} ${Version}\\n").ok().out();
        List<String> expected = bookwormLock.archs().get("amd64").stream().map(p -> p.name() + " " + p.version()).sorted().toList();
        assertEquals(expected, listed.lines().sorted().toList());
        // The control file is kept verbatim around the Status line dpkg needs.
        String control = Tools.run("dpkg-deb", "-f", deb(bookwormLock, "amd64", "libc6").toString()).ok().out();
        assertEquals(control, Files.readString(rootfs.resolve("var/lib/dpkg/status.d/libc6"))
                .replace("Status: install ok installed\n", ""));
        String osRelease = Tools.run("sh", "-c", "dpkg-deb --fsys-tarfile " + deb(bookwormLock, "amd64", "base-files")
                + " | tar -xOf - ./usr/lib/os-release").ok().out();
        assertEquals(osRelease, Files.readString(rootfs.resolve("usr/lib/os-release")));
        assertTrue(osRelease.contains("ID=debian") && osRelease.contains("VERSION_CODENAME=bookworm"));
        String sums = Files.readString(rootfs.resolve("var/lib/dpkg/status.d/libc6.md5sums"));
        assertTrue(sums.lines().anyMatch(l -> l.endsWith("  usr/share/doc/libc6/copyright")), "md5sums of libc6");
    }

    @Test
    void aTrixieImageKeepsMergedUsrAndRuns() throws Exception {
        List<String> set = SET.stream().map(p -> p.equals("libssl3") ? "libssl3t64" : p).toList();
        Path f = spec("trixie", "trixie", List.of("amd64"), set, "");
        Spec s = SpecParser.parse(f);
        Lock lock = Resolution.lock(s, s.archs(), System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now(), cache);
        Build.Result r = build(f, tmp.resolve("trixie/out"));
        Image img = image(r, "amd64");
        Map<String, Layer> layers = layersByPackage(img);
        MergedUsr usr = null;
        for (var e : layers.entrySet()) {
            List<String> l = listing(e.getValue());
            if (e.getKey().equals("base-files")) {
                assertTrue(l.contains("lrwxrwxrwx root/root 0 ./bin -> usr/bin"), "base-files ships /bin → usr/bin");
                usr = MergedUsr.of(Map.of("bin", "usr/bin", "sbin", "usr/sbin", "lib", "usr/lib", "lib64", "usr/lib64"));
            } else {
                for (String line : l) {
                    String path = line.substring(line.indexOf(" ./") + 3);
                    assertFalse(path.matches("(bin|sbin|lib|lib64)(/.*)?"), e.getKey() + " would replace a merged-/usr symlink: " + line);
                }
            }
        }
        assertTrue(usr != null);
        for (var e : layers.entrySet()) {
            if (!e.getKey().equals("base-files")) {
                assertEquals(dpkgListing(deb(lock, "amd64", e.getKey()), usr), listing(e.getValue()), e.getKey());
            }
        }
        Path rootfs = unpack(tmp.resolve("trixie/out"), r, "amd64", tmp.resolve("trixie-bundle"));
        assertTrue(Files.isSymbolicLink(rootfs.resolve("bin")));
        assertTrue(inside(rootfs, "/usr/bin/openssl", "version").startsWith("OpenSSL 3."));
        assertEquals("ok\n", inside(rootfs, "/bin/busybox", "sh", "-c", "echo ok"));

        Path bad = spec("trixie-bad", "trixie", List.of("amd64"), set, "files:\n  - {path: /bin/tool, content: \"x\"}\n");
        Files.copy(tmp.resolve("trixie/image.lock.json"), tmp.resolve("trixie-bad/image.lock.json"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.peel.spec.SpecException.class,
                () -> build(bad, tmp.resolve("trixie-bad/out")));
        assertTrue(e.getMessage().contains("image.yaml:3:") && e.getMessage().contains("would replace the symlink /bin"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("trixie-bad/out")));
    }

    @Test
    void aSecondBuildTakesEveryLayerFromTheCacheAndMatches() throws Exception {
        Path f = tmp.resolve("bookworm/image.yaml");
        long before = Files.list(cache.root().resolve("blobs/sha256")).count();
        Build.Result again = build(f, tmp.resolve("bookworm/out-again"));
        assertEquals(bookworm.digest(), again.digest());
        assertEquals(before, Files.list(cache.root().resolve("blobs/sha256")).count(), "nothing new was compressed");
        // Architecture: all packages share one layer between the archs.
        Layer tzAmd = layersByPackage(image(bookworm, "amd64")).get("tzdata");
        Layer tzArm = layersByPackage(image(bookworm, "arm64")).get("tzdata");
        assertEquals(tzAmd.digest(), tzArm.digest());
        assertNotEquals(layersByPackage(image(bookworm, "amd64")).get("libc6").digest(),
                layersByPackage(image(bookworm, "arm64")).get("libc6").digest());
    }

    @Test
    void aDamagedCachedDebIsDetectedAndFetchedAgain() throws Exception {
        Path f = spec("flip", "bookworm", List.of("amd64"), List.of("netbase"), "compression: zstd\n");
        Path deb = deb(bookwormLock, "amd64", "netbase");
        byte[] good = Files.readAllBytes(deb);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x10;
        Files.write(deb, bad);
        // zstd layers are not cached yet: the build needs the .deb, finds it damaged, and fetches it again.
        Build.Result r = build(f, tmp.resolve("flip/out"));
        assertEquals(1, r.images().get(0).layers().size());
        assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(deb)), "the damaged .deb was replaced by a good one");
    }

    @Test
    void aLayeringBudgetGroupsPackagesBySource() throws Exception {
        Path f = spec("budget", "bookworm", List.of("amd64"), SET, "layering: {budget: 3}\n");
        Build.Result r = build(f, tmp.resolve("budget/out"));
        Image img = r.images().get(0);
        assertEquals(3, img.layers().size());
        Path rootfs = unpack(tmp.resolve("budget/out"), r, "amd64", tmp.resolve("budget-bundle"));
        assertTrue(inside(rootfs, "/usr/bin/openssl", "version").startsWith("OpenSSL 3."));
        Path one = unpack(tmp.resolve("bookworm/out"), bookworm, "amd64", tmp.resolve("budget-ref"));
        assertEquals(Tools.run("sh", "-c", "cd " + one + " && find . | sort").ok().out(),
                Tools.run("sh", "-c", "cd " + rootfs + " && find . | sort").ok().out(), "the same files, in fewer layers");
    }

    /** For other JDKs: builds one package layer from a .deb into a fresh cache and prints its digest. */
    public static void main(String[] args) throws Exception {
        Path deb = Path.of(args[0]);
        Cache c = new Cache(Files.createTempDirectory("peel-jdk-cache"));
        Lock.LockedPackage p = new Lock.LockedPackage(args[1], args[2], "amd64", args[1], "file:///", "x", "main", "x.deb",
                dev.peel.oci.Digest.of(Files.readAllBytes(deb)).hex(), Files.size(deb));
        PackageLayer l = PackageLayer.build(c, deb, p, MergedUsr.NONE, 0, Compression.GZIP, 6, n -> { });
        System.out.println(l.layer().digest() + " " + l.layer().diffId());
    }

    @Test
    void everyJdkOnTheMachineBuildsTheSamePackageLayer() throws Exception {
        Lock.LockedPackage libc = bookwormLock.archs().get("amd64").stream().filter(p -> p.name().equals("libc6")).findFirst()
                .orElseThrow();
        Path deb = deb(bookwormLock, "amd64", "libc6");
        Layer built = layersByPackage(image(bookworm, "amd64")).get("libc6");
        String expected = built.digest() + " " + built.diffId();
        java.util.Set<Path> javas = new java.util.LinkedHashSet<>();
        javas.add(Path.of(System.getProperty("java.home"), "bin", "java").toRealPath());
        if (Files.isDirectory(Path.of("/usr/lib/jvm"))) {
            try (var s = Files.list(Path.of("/usr/lib/jvm"))) {
                for (Path p : s.sorted().toList()) {
                    if (Files.isExecutable(p.resolve("bin/java"))) {
                        javas.add(p.resolve("bin/java").toRealPath());
                    }
                }
            }
        }
        for (Path java : javas) {
            String out = Tools.run(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                    InstallIntegrationTest.class.getName(), deb.toString(), libc.name(), libc.version()), null, Map.of(), 300).ok().out();
            assertEquals(expected, out.strip(), "libc6's layer (" + built.size() + " bytes, several gzip blocks) under " + java);
        }
    }
}
