package dev.peel.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted layers, each trick alone and combined across layers, unpacked beside a canary tree: after each, the
 * canary is byte for byte, mode for mode as before, none of its files was read (their access times, set in the
 * past, unchanged), nothing new appeared beside the unpack folder, and every refusal names its entry.
 */
class HostileLayersTest {
    @TempDir
    Path tmp;
    Path canary;
    Path root;
    Map<String, String> before;
    List<String> warnings = new ArrayList<>();
    boolean atimeWorks;

    /** One tar entry as a hostile tool would write it: any name, type, link, mode and declared size. */
    record E(String name, char type, int mode, String link, byte[] data, long size) {
        static E file(String name, String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            return new E(name, '0', 0644, "", b, b.length);
        }

        static E dir(String name, int mode) {
            return new E(name, '5', mode, "", new byte[0], 0);
        }

        static E symlink(String name, String target) {
            return new E(name, '2', 0777, target, new byte[0], 0);
        }

        static E hardlink(String name, String target) {
            return new E(name, '1', 0644, target, new byte[0], 0);
        }
    }

    static byte[] tar(E... entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (E e : entries) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            if (name.length > 100) {
                // A GNU long name, as tools write names over 100 bytes.
                header(out, "././@LongLink", 'L', 0644, "", name.length + 1);
                out.write(name);
                out.write(0);
                pad(out, name.length + 1);
            }
            header(out, name.length > 100 ? "long" : e.name(), e.type(), e.mode(), e.link(), e.size());
            out.write(e.data());
            pad(out, e.data().length);
        }
        out.write(new byte[1024]);
        return out.toByteArray();
    }

    private static void header(ByteArrayOutputStream out, String name, char type, int mode, String link, long size)
            throws IOException {
        byte[] h = new byte[512];
        put(h, 0, 100, name);
        put(h, 100, 8, String.format("%07o", mode));
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        if (size > 077777777777L) {
            // GNU base-256, as tar writes sizes over 8 GiB.
            h[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                h[135 - i] = (byte) (size >>> (8 * i));
            }
        } else {
            put(h, 124, 12, String.format("%011o", size));
        }
        put(h, 136, 12, "14000000000");
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        if (type == '3' || type == '4') {
            put(h, 329, 8, "0000001");
            put(h, 337, 8, "0000003");
        }
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 8, String.format("%06o", sum) + "\0 ");
        out.write(h);
    }

    private static void put(byte[] h, int at, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, at, Math.min(len, b.length));
    }

    private static void pad(ByteArrayOutputStream out, long n) {
        int p = (int) ((512 - n % 512) % 512);
        out.write(new byte[p], 0, p);
    }

    @BeforeEach
    void setUp() throws Exception {
        canary = tmp.resolve("canary");
        Files.createDirectories(canary.resolve("b"));
        Files.writeString(canary.resolve("secret"), "do not read me\n");
        Files.writeString(canary.resolve("b/inner"), "nor me\n");
        Files.setPosixFilePermissions(canary.resolve("b"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createSymbolicLink(canary.resolve("link"), Path.of("secret"));
        root = Files.createDirectory(tmp.resolve("unpack"));
        before = snapshot();
        // Access times in the past (before the modification time): under relatime any read moves them.
        for (Path f : List.of(canary.resolve("secret"), canary.resolve("b/inner"))) {
            Files.getFileAttributeView(f, java.nio.file.attribute.BasicFileAttributeView.class)
                    .setTimes(null, FileTime.fromMillis(0), null);
        }
        Path probe = tmp.resolve("atime-probe");
        Files.writeString(probe, "x");
        Files.getFileAttributeView(probe, java.nio.file.attribute.BasicFileAttributeView.class).setTimes(null, FileTime.fromMillis(0), null);
        Files.readAllBytes(probe);
        atimeWorks = Files.readAttributes(probe, BasicFileAttributes.class).lastAccessTime().toMillis() > 0;
        Files.delete(probe);
    }

    @AfterEach
    void canaryUntouched() throws Exception {
        if (atimeWorks) {
            for (Path f : List.of(canary.resolve("secret"), canary.resolve("b/inner"))) {
                assertEquals(0, Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).lastAccessTime()
                        .toMillis(), f + " was read");
            }
        }
        assertEquals(before, snapshot(), "the canary tree changed");
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("canary", "unpack"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "something appeared beside the unpack folder");
        }
    }

    /** Every path of the canary tree with its type, mode, size, target or content hash and modification time. */
    private Map<String, String> snapshot() throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(canary)) {
            for (Path p : s.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String what = a.isSymbolicLink() ? "link " + Files.readSymbolicLink(p)
                        : a.isDirectory() ? "dir"
                        : "file " + a.size() + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(p)));
                String mode = a.isSymbolicLink() ? "" : PosixFilePermissions.toString(Files.getPosixFilePermissions(p,
                        LinkOption.NOFOLLOW_LINKS));
                m.put(canary.relativize(p).toString(), what + " " + mode + " " + a.lastModifiedTime());
            }
        }
        return m;
    }

    private Unpacker unpacker() {
        return new Unpacker(root, Unpacker.Limits.forFolder(root), warnings::add);
    }

    private void unpack(byte[]... layers) throws IOException {
        Unpacker u = unpacker();
        for (int i = 0; i < layers.length; i++) {
            u.layer(new ByteArrayInputStream(layers[i]), "layer " + (i + 1));
        }
        u.finish();
    }

    private void refused(String entry, byte[]... layers) {
        Unpacker.Refused e = assertThrows(Unpacker.Refused.class, () -> unpack(layers));
        assertTrue(e.getMessage().contains("entry " + entry + ":"), e.getMessage());
    }

    private String c() {
        return canary.toString();
    }

    private String read(String path) throws IOException {
        return Files.readString(root.resolve(path));
    }

    private boolean isLink(String path) {
        return Files.isSymbolicLink(root.resolve(path));
    }

    @Test
    void dotDotNamesAreRefused() throws Exception {
        refused("../canary/secret", tar(E.file("../canary/secret", "pwned")));
        refused("a/../../canary/secret", tar(E.file("a/../../canary/secret", "pwned")));
        refused("x/..", tar(E.dir("x/..", 0755)));
    }

    @Test
    void absoluteNamesStayInside() throws Exception {
        unpack(tar(E.file(c() + "/secret", "confined"), E.file("/etc/peel-test", "x")));
        assertEquals("confined", read(c().substring(1) + "/secret"));
        assertEquals("x", read("etc/peel-test"));
    }

    @Test
    void aSymlinkToTheHostIsFollowedInsideTheRoot() throws Exception {
        unpack(tar(E.symlink("evil", c()), E.file("evil/secret", "confined")));
        assertTrue(isLink("evil"));
        assertEquals("confined", read(c().substring(1) + "/secret"));
    }

    @Test
    void etcToRootThenEtcPasswdLandsInTheRootsPasswd() throws Exception {
        unpack(tar(E.symlink("etc", "/")), tar(E.file("etc/passwd", "root:x:0:0::/:/bin/sh\n")));
        assertEquals("root:x:0:0::/:/bin/sh\n", read("passwd"));
        assertTrue(isLink("etc"));
    }

    @Test
    void dotDotSymlinksStopAtTheRoot() throws Exception {
        unpack(tar(E.dir("a", 0755), E.symlink("a/up", "../../../../.."), E.file("a/up/x", "top")),
                tar(E.symlink("rel", "a/up/../../" + c().substring(1)), E.file("rel/secret", "confined")));
        assertEquals("top", read("x"));
        assertEquals("confined", read(c().substring(1) + "/secret"));
    }

    @Test
    void hardlinksToTheHostAreRefusedUnread() throws Exception {
        refused("hl", tar(E.hardlink("hl", c() + "/secret")));
        refused("h", tar(E.symlink("ln", c())), tar(E.hardlink("h", "ln/secret")));
        refused("h2", tar(E.symlink("s2", c() + "/secret"), E.hardlink("h2", "s2")));
        refused("h3", tar(E.hardlink("h3", "../canary/secret")));
    }

    @Test
    void aFileOverASymlinkReplacesTheLinkNotItsTarget() throws Exception {
        unpack(tar(E.symlink("s", c() + "/secret")), tar(E.file("s", "mine")));
        assertFalse(isLink("s"));
        assertEquals("mine", read("s"));
        unpackMore(tar(E.symlink("s", "../canary/secret"), E.file("s", "again")));
        assertEquals("again", read("s"));
    }

    private void unpackMore(byte[] layer) throws IOException {
        Unpacker u = unpacker();
        u.layer(new ByteArrayInputStream(layer), "layer n");
        u.finish();
    }

    @Test
    void aFileOverAHardlinkDoesNotWriteThroughIt() throws Exception {
        unpack(tar(E.file("f1", "first"), E.hardlink("f2", "f1")), tar(E.file("f2", "second")));
        assertEquals("first", read("f1"));
        assertEquals("second", read("f2"));
    }

    @Test
    void whiteoutsStayInside() throws Exception {
        refused("../.wh.canary", tar(E.file("../.wh.canary", "")));
        refused(".wh...", tar(E.file(".wh...", "")));
        refused("a/.wh..", tar(E.dir("a", 0755), E.file("a/.wh..", "")));
        unpack(tar(E.file("keep", "k"), E.symlink("x", c())),
                tar(E.file("x/.wh.secret", ""), E.file("x/.wh..wh..opq", ""), E.file(".wh.x", "")));
        assertFalse(Files.exists(root.resolve("x"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("k", read("keep"));
    }

    @Test
    void opaqueWhiteoutsKeepWhatTheirLayerWrote() throws Exception {
        unpack(tar(E.dir("d", 0755), E.file("d/old", "o"), E.file("d/old2", "o")),
                tar(E.dir("d", 0755), E.file("d/new", "n"), E.file("d/.wh..wh..opq", "")));
        try (Stream<Path> s = Files.list(root.resolve("d"))) {
            assertEquals(List.of("new"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void devicesAndFifosAreNotMade() throws Exception {
        unpack(tar(new E("dev/null", '3', 0666, "", new byte[0], 0), new E("dev/sda", '4', 0660, "", new byte[0], 0),
                new E("fifo", '6', 0644, "", new byte[0], 0), E.file("ok", "ok")));
        assertFalse(Files.exists(root.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve("fifo"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("dev/null"), warnings.toString());
        assertTrue(warnings.get(2).contains("fifo"), warnings.toString());
    }

    @Test
    void setuidAndSetgidBitsAreDropped() throws Exception {
        unpack(tar(new E("su", '0', 06755, "", "x".getBytes(StandardCharsets.UTF_8), 1), E.dir("sg", 02775)));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("su"))));
        var attrs = Files.readAttributes(root.resolve("su"), "unix:mode");
        assertEquals(0, ((Integer) attrs.get("mode")) & 06000);
        assertEquals(0, ((Integer) Files.readAttributes(root.resolve("sg"), "unix:mode").get("mode")) & 06000);
    }

    @Test
    void absurdSizesAndCountsAreRefused() throws Exception {
        refused("huge", tar(new E("huge", '0', 0644, "", new byte[0], 1L << 40)));
        assertFalse(Files.exists(root.resolve("huge")));
        Unpacker small = new Unpacker(root, new Unpacker.Limits(1 << 20, 10, 4096, 256), warnings::add);
        List<E> many = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            many.add(E.file("f" + i, "x"));
        }
        Unpacker.Refused e = assertThrows(Unpacker.Refused.class,
                () -> small.layer(new ByteArrayInputStream(tar(many.toArray(E[]::new))), "layer 1"));
        assertTrue(e.getMessage().contains("more than 10 entries"), e.getMessage());
        Unpacker truncated = unpacker();
        byte[] t = tar(new E("short", '0', 0644, "", "abc".getBytes(StandardCharsets.UTF_8), 100));
        assertThrows(IOException.class, () -> truncated.layer(new ByteArrayInputStream(t, 0, 512 + 3), "layer 1"));
        refused("a".repeat(5000), tar(E.file("a".repeat(5000), "long")));
        refused("d/".repeat(300) + "f", tar(E.file("d/".repeat(300) + "f", "deep")));
    }

    @Test
    void symlinkLoopsAreRefused() throws Exception {
        refused("a/x", tar(E.symlink("a", "b"), E.symlink("b", "a"), E.file("a/x", "loop")));
    }

    @Test
    void aDirectoryOverASymlinkReplacesTheLink() throws Exception {
        unpack(tar(E.symlink("lnk", c())), tar(E.dir("lnk", 0700), E.file("lnk/secret", "inside")));
        assertFalse(isLink("lnk"));
        assertEquals("inside", read("lnk/secret"));
    }

    @Test
    void folderModesAreNotSetThroughALaterSymlink() throws Exception {
        // Layer 1 asks for a/b with mode 0700; layer 2 turns a into a link to the canary, which has b too: the
        // modes set at the end must not reach the canary's b.
        unpack(tar(E.dir("a", 0755), E.dir("a/b", 0700)), tar(E.symlink("a", c())));
        assertTrue(isLink("a"));
    }

    @Test
    void combinedAcrossLayersEveryTrickStaysInside() throws Exception {
        unpack(tar(E.symlink("etc", "/"), E.dir("usr", 0755)),
                tar(E.symlink("etc/x", c())),
                tar(E.file("x/secret", "confined"), E.hardlink("usr/h", "etc/x/secret"), E.file("etc/etc/etc/y", "deep"),
                        E.symlink("usr/z", "../../x")),
                tar(E.file("usr/z/secret", "again"), E.file("x/.wh.nothing", ""), new E("x/dev", '4', 0600, "", new byte[0], 0),
                        E.dir("x/b", 0700)));
        assertEquals("again", read(c().substring(1) + "/secret"));
        assertEquals("confined", read("usr/h"));
        assertEquals("deep", read("y"));
    }

    @Test
    void rootfsRemovesEverythingWhenALayerIsRefused() throws Exception {
        // Through the cache: a refused image leaves neither a tree nor a temp folder.
        Path cacheDir = root.resolve("cache");
        dev.peel.cache.Cache cache = new dev.peel.cache.Cache(cacheDir);
        byte[] good = tar(E.file("ok", "ok"));
        byte[] bad = tar(E.symlink("etc", "/"), E.file("../escape", "x"));
        dev.peel.image.Image image = HostileImages.image(root.resolve("blobs"), List.of(good, bad), null);
        Unpacker.Refused e = assertThrows(Unpacker.Refused.class, () -> Rootfs.of(cache, image, warnings::add));
        assertTrue(e.getMessage().contains("layer 2") && e.getMessage().contains("entry ../escape"), e.getMessage());
        try (Stream<Path> s = Files.list(cacheDir.resolve(Rootfs.KIND))) {
            assertEquals(List.of(), s.toList());
        }
        dev.peel.io.Trees.delete(cacheDir);
    }

    @Test
    void rootfsChecksEachLayerAgainstItsDiffId() throws Exception {
        Path cacheDir = root.resolve("cache");
        dev.peel.cache.Cache cache = new dev.peel.cache.Cache(cacheDir);
        dev.peel.image.Image lying = HostileImages.image(root.resolve("blobs"), List.of(tar(E.file("a", "a"))),
                List.of(dev.peel.oci.Digest.of(new byte[] {1})));
        IOException e = assertThrows(IOException.class, () -> Rootfs.of(cache, lying, warnings::add));
        assertTrue(e.getMessage().contains("diffID"), e.getMessage());
        Rootfs.Unpacked ok = Rootfs.of(cache, HostileImages.image(root.resolve("blobs"), List.of(tar(E.file("a", "a"))), null), warnings::add);
        assertFalse(ok.cached());
        assertEquals("a", Files.readString(ok.root().resolve("a")));
        assertTrue(Rootfs.of(cache, HostileImages.image(root.resolve("blobs"), List.of(tar(E.file("a", "a"))), null), warnings::add).cached());
        dev.peel.io.Trees.delete(cacheDir);
    }
}
