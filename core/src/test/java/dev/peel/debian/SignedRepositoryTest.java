package dev.peel.debian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Digest;
import dev.peel.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A repository the test signs with its own key (gpg), served from file:, then tampered with. */
class SignedRepositoryTest {
    static final String PACKAGES = """
            Package: hello
            Version: 2.10-3
            Architecture: amd64
            Filename: pool/main/h/hello/hello_2.10-3_amd64.deb
            Size: 1234
            SHA256: 0000000000000000000000000000000000000000000000000000000000000000

            Package: world
            Version: 1:1.0~rc1-1
            Architecture: all
            Filename: pool/main/w/world/world_1.0~rc1-1_all.deb
            Size: 99
            SHA256: 1111111111111111111111111111111111111111111111111111111111111111
            """;

    @TempDir
    static Path home;
    static Keyring testKeys;

    @BeforeAll
    static void key() throws Exception {
        Tools.require("gpg");
        Path gnupg = Files.createDirectories(home.resolve("gnupg"));
        Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        gpg("--quick-gen-key", "peel test <test@example.invalid>", "rsa2048", "sign", "never");
        Tools.Run pub = Tools.run(List.of("gpg", "--homedir", gnupg.toString(), "--armor", "--export"), null, Map.of(), 60).ok();
        Files.writeString(home.resolve("test.asc"), pub.out());
        testKeys = Keyring.read(home.resolve("test.asc"));
    }

    static Tools.Run gpg(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("gpg", "--homedir", home.resolve("gnupg").toString(), "--batch",
                "--pinentry-mode", "loopback", "--passphrase", ""));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, null, Map.of(), 120).ok();
    }

    /** Writes a repository with one suite, signed with {@code digest}; returns its base. */
    static Path repo(String name, String validUntil, String digest) throws Exception {
        Path base = home.resolve(name);
        Path dir = Files.createDirectories(base.resolve("dists/stable/main/binary-amd64"));
        Files.writeString(dir.resolve("Packages"), PACKAGES);
        Tools.run("sh", "-c", "gzip -n -9 -k " + dir.resolve("Packages")).ok();
        StringBuilder release = new StringBuilder("Origin: peel-test\nSuite: stable\nCodename: test\n"
                + "Date: Sat, 10 May 2025 09:15:34 UTC\n" + (validUntil == null ? "" : "Valid-Until: " + validUntil + "\n")
                + "Architectures: amd64\nComponents: main\nSHA256:\n");
        for (String f : List.of("Packages", "Packages.gz")) {
            byte[] b = Files.readAllBytes(dir.resolve(f));
            release.append(' ').append(Digest.of(b).hex()).append(' ').append(b.length).append(" main/binary-amd64/").append(f).append('\n');
        }
        Path rel = base.resolve("dists/stable/Release");
        Files.writeString(rel, release.toString());
        gpg("--digest-algo", digest, "--clearsign", "-o", base.resolve("dists/stable/InRelease").toString(), rel.toString());
        return base;
    }

    static Repository open(Path base, Keyring keys) {
        return new Repository(base.toUri(), "stable", keys, new Fetcher());
    }

    static final Instant NOW = Instant.parse("2025-06-01T00:00:00Z");

    @Test
    void aWellSignedRepositoryIsReadAlongTheChain() throws Exception {
        Path base = repo("good", "Sat, 07 Jun 2025 09:15:34 UTC", "SHA256");
        Repository r = open(base, testKeys);
        Release release = r.release(NOW, false);
        assertEquals("test", release.get("Codename"));
        assertEquals(Instant.parse("2025-06-07T09:15:34Z"), release.validUntil());
        List<Deb822.Stanza> stanzas = Deb822.parse(r.packages(release, "main", "amd64"));
        assertEquals(List.of("hello", "world"), stanzas.stream().map(s -> s.get("Package")).toList());
    }

    @Test
    void aCachedIndexIsUsedOnlyWhileItMatchesTheSignedRelease() throws Exception {
        Path base = repo("cached", null, "SHA256");
        dev.peel.cache.Cache cache = new dev.peel.cache.Cache(home.resolve("cache"));
        Repository r = new Repository(base.toUri(), "stable", testKeys, new Fetcher(), cache);
        byte[] first = r.packages(r.release(NOW, false), "main", "amd64");
        Path dir = base.resolve("dists/stable/main/binary-amd64");
        Path saved = Files.createDirectories(home.resolve("saved"));
        for (String f : List.of("Packages", "Packages.gz")) {
            Files.move(dir.resolve(f), saved.resolve(f));
        }
        assertEquals(new String(first, StandardCharsets.UTF_8),
                new String(r.packages(r.release(NOW, false), "main", "amd64"), StandardCharsets.UTF_8), "served from the cache");
        // A flipped bit in the cached copy is noticed; the index is fetched again.
        Path entry;
        try (var s = Files.walk(home.resolve("cache"))) {
            entry = s.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(entry);
        b[3] ^= 1;
        Files.write(entry, b);
        assertThrows(RepositoryException.class, () -> r.packages(r.release(NOW, false), "main", "amd64"));
        for (String f : List.of("Packages", "Packages.gz")) {
            Files.move(saved.resolve(f), dir.resolve(f));
        }
        assertEquals(new String(first, StandardCharsets.UTF_8),
                new String(r.packages(r.release(NOW, false), "main", "amd64"), StandardCharsets.UTF_8));
        assertEquals(Digest.of(first).hex(), entry.getFileName().toString(), "stored again under its signed hash");
        assertEquals(Digest.of(first).hex(), Digest.of(Files.readAllBytes(entry)).hex());
    }

    @Test
    void indexesAreFetchedByHashWhenTheReleaseSaysSo() throws Exception {
        Path base = repo("byhash", null, "SHA256");
        Path rel = base.resolve("dists/stable/Release");
        Files.writeString(rel, Files.readString(rel).replace("Components: main\n", "Components: main\nAcquire-By-Hash: yes\n"));
        Files.delete(base.resolve("dists/stable/InRelease"));
        gpg("--digest-algo", "SHA256", "--clearsign", "-o", base.resolve("dists/stable/InRelease").toString(), rel.toString());
        Path dir = base.resolve("dists/stable/main/binary-amd64");
        byte[] gz = Files.readAllBytes(dir.resolve("Packages.gz"));
        Path byHash = Files.createDirectories(dir.resolve("by-hash/SHA256"));
        Files.write(byHash.resolve(Digest.of(gz).hex()), gz);
        // The named files now hold something newer than the signed Release knows: by-hash must be used.
        Files.writeString(dir.resolve("Packages.gz"), "newer");
        Files.writeString(dir.resolve("Packages"), "newer");
        Repository r = open(base, testKeys);
        assertEquals(2, Deb822.parse(r.packages(r.release(NOW, false), "main", "amd64")).size());
    }

    @Test
    void anInsecureSourceIsReadUnsignedWithALoudWarningButStillChecksumed() throws Exception {
        Path base = repo("insecure", null, "SHA256");
        Files.delete(base.resolve("dists/stable/InRelease"));
        List<String> warnings = new java.util.ArrayList<>();
        Source insecure = new Source(base.toUri(), List.of("stable"), List.of("main"), null, true);
        Universe u = new Sources(List.of(insecure), new Fetcher(), warnings::add).universe("amd64", NOW);
        assertEquals("2.10-3", u.candidate("hello").version().toString());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("is marked insecure: its packages are NOT verified"), warnings.get(0));
        Files.writeString(base.resolve("dists/stable/main/binary-amd64/Packages.gz"), "tampered");
        RepositoryException e = assertThrows(RepositoryException.class,
                () -> new Sources(List.of(insecure), new Fetcher(), w -> { }).universe("amd64", NOW));
        assertTrue(e.getMessage().contains("does not match the Release that lists it"), e.getMessage());
        Source secure = new Source(base.toUri(), List.of("stable"), List.of("main"), null, false);
        assertThrows(RepositoryException.class, () -> new Sources(List.of(secure), new Fetcher(), w -> { }).universe("amd64", NOW),
                "without insecure, a missing InRelease is refused");
    }

    @Test
    void aChangedInReleaseIsRefused() throws Exception {
        Path base = repo("changed", null, "SHA256");
        Path in = base.resolve("dists/stable/InRelease");
        Files.writeString(in, Files.readString(in).replace("Codename: test", "Codename: tost"));
        RepositoryException e = assertThrows(RepositoryException.class, () -> open(base, testKeys).release(NOW, false));
        assertTrue(e.getMessage().contains("does not match the text"), e.getMessage());
    }

    @Test
    void aChangedPackagesIndexIsRefused() throws Exception {
        Path base = repo("packages", null, "SHA256");
        Path gz = base.resolve("dists/stable/main/binary-amd64/Packages.gz");
        byte[] b = Files.readAllBytes(gz);
        b[b.length / 2] ^= 1;
        Files.write(gz, b);
        Repository r = open(base, testKeys);
        Release release = r.release(NOW, false);
        RepositoryException e = assertThrows(RepositoryException.class, () -> r.packages(release, "main", "amd64"));
        assertTrue(e.getMessage().contains("does not match the Release that lists it"), e.getMessage());
    }

    @Test
    void anUnsignedOrForeignlySignedReleaseIsRefused() throws Exception {
        Path base = repo("unsigned", null, "SHA256");
        Files.copy(base.resolve("dists/stable/Release"), base.resolve("dists/stable/InRelease"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        RepositoryException unsigned = assertThrows(RepositoryException.class, () -> open(base, testKeys).release(NOW, false));
        assertTrue(unsigned.getMessage().contains("is not signed"), unsigned.getMessage());

        Path signed = repo("foreign", null, "SHA256");
        RepositoryException foreign = assertThrows(RepositoryException.class,
                () -> open(signed, Keyring.debian()).release(NOW, false));
        assertTrue(foreign.getMessage().contains("no good signature by a key in Debian archive keyring"), foreign.getMessage());
        assertTrue(foreign.getMessage().contains("unknown key"), foreign.getMessage());
    }

    @Test
    void aSha1SignatureIsRefused() throws Exception {
        Path base = repo("sha1", null, "SHA1");
        RepositoryException e = assertThrows(RepositoryException.class, () -> open(base, testKeys).release(NOW, false));
        assertTrue(e.getMessage().contains("weak hash (SHA-1)"), e.getMessage());
    }

    @Test
    void anExpiredReleaseIsRefusedUnlessToldOtherwise() throws Exception {
        Path base = repo("expired", "Sat, 17 May 2025 09:15:34 UTC", "SHA256");
        RepositoryException e = assertThrows(RepositoryException.class, () -> open(base, testKeys).release(NOW, false));
        assertTrue(e.getMessage().contains("expired on 2025-05-17T09:15:34Z"), e.getMessage());
        assertEquals("test", open(base, testKeys).release(NOW, true).get("Codename"));
    }

    @Test
    void aSnapshotSourceReadsReleasesPastValidUntilButStillVerifiesThem() throws Exception {
        Path base = repo("snapshot", "Sat, 17 May 2025 09:15:34 UTC", "SHA256");
        Source live = new Source(base.toUri(), List.of("stable"), List.of("main"), home.resolve("test.asc"), false, false);
        assertThrows(RepositoryException.class, () -> new Sources(List.of(live), new Fetcher(), w -> { }).universe("amd64", NOW));
        Source frozen = new Source(base.toUri(), List.of("stable"), List.of("main"), home.resolve("test.asc"), false, true);
        assertEquals("2.10-3", new Sources(List.of(frozen), new Fetcher(), w -> { }).universe("amd64", NOW)
                .candidate("hello").version().toString());
        Source foreign = new Source(base.toUri(), List.of("stable"), List.of("main"), null, false, true);
        assertThrows(RepositoryException.class, () -> new Sources(List.of(foreign), new Fetcher(), w -> { }).universe("amd64", NOW),
                "a snapshot is still checked against the keys");
        List<Source> three = Source.snapshot(java.net.URI.create("https://snapshots.example.invalid/x"), "20250520T000000Z",
                "bookworm");
        assertEquals("https://snapshots.example.invalid/x/archive/debian/20250520T000000Z/", three.get(0).url().toString());
        assertEquals(List.of("bookworm", "bookworm-updates"), three.get(0).suites());
        assertEquals("https://snapshots.example.invalid/x/archive/debian-security/20250520T000000Z/", three.get(1).url().toString());
        assertTrue(three.stream().allMatch(Source::snapshot));
    }

    @Test
    void dashEscapedAndTrailingBlankLinesVerify() throws Exception {
        Path base = home.resolve("escaped");
        Files.createDirectories(base);
        Files.writeString(base.resolve("doc"), "- starts with a dash\ntrailing blanks   \n\tindented\nlast line");
        gpg("--digest-algo", "SHA512", "--clearsign", "-o", base.resolve("doc.asc").toString(), base.resolve("doc").toString());
        ClearSigned.Verified v = ClearSigned.verify(Files.readAllBytes(base.resolve("doc.asc")), testKeys, "doc");
        assertEquals("- starts with a dash\ntrailing blanks   \n\tindented\nlast line\n", new String(v.text(), StandardCharsets.UTF_8));
        assertTrue(v.signer().contains("peel test"), v.signer());
    }
}
