package dev.peel.debian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The real Debian archive, found as users' machines find it (PEEL_DEBIAN_MIRROR or the host's apt
 * sources), read along the trust chain with the bundled keys; its versions ordered as dpkg orders them.
 */
class DebianMirrorTest {
    static URI mirror() {
        return Mirrors.archive(System.getenv(), Path.of("/etc/apt")).orElseGet(() -> {
            fail("no Debian mirror: set PEEL_DEBIAN_MIRROR or configure one in /etc/apt/sources.list(.d)");
            return null;
        });
    }

    @Test
    void bookwormVerifiesWithTheBundledKeysAndItsVersionsOrderAsDpkgSays() throws Exception {
        Repository repo = new Repository(mirror(), "bookworm", Keyring.debian(), new Fetcher());
        Release release = repo.release(Instant.now(), false);
        assertEquals("bookworm", release.get("Codename"));
        assertTrue(release.sha256().containsKey("main/binary-amd64/Packages.xz"));

        long t0 = System.nanoTime();
        byte[] text = repo.packages(release, "main", "amd64");
        long t1 = System.nanoTime();
        List<Deb822.Stanza> stanzas = Deb822.parse(text);
        long t2 = System.nanoTime();
        System.out.printf("bookworm main/amd64: %d stanzas, %.1f MB; fetch+verify+unxz %.2f s, parse %.2f s%n",
                stanzas.size(), text.length / 1e6, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        assertTrue(stanzas.size() > 60_000, "bookworm main has over 60,000 packages: " + stanzas.size());

        // The fast scan finds the same stanzas, and each slice parses to the same fields.
        List<StanzaIndex.Entry> index = StanzaIndex.scan(text);
        assertEquals(stanzas.size(), index.size());
        for (int k = 0; k < index.size(); k += 97) {
            StanzaIndex.Entry e = index.get(k);
            assertEquals(stanzas.get(k).get("Package"), e.name());
            assertEquals(stanzas.get(k).get("Architecture"), e.arch());
            assertEquals(stanzas.get(k).get("Provides"), e.provides());
            assertEquals(stanzas.get(k).fields(), Deb822.parse(java.util.Arrays.copyOfRange(text, e.start(), e.end())).get(0).fields());
        }
        assertEquals(index, StanzaIndex.fromBytes(StanzaIndex.toBytes(index), text.length));

        List<String> versions = new ArrayList<>();
        for (Deb822.Stanza s : stanzas) {
            versions.add(s.get("Version"));
        }
        Random r = new Random(12);
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            String a = versions.get(r.nextInt(versions.size()));
            // Half the pairs are neighbours in the index (often one source's versions), half random.
            int j = r.nextInt(versions.size());
            String b = i % 2 == 0 ? versions.get(Math.min(versions.size() - 1, versions.indexOf(a) + 1)) : versions.get(j);
            pairs.add(new String[] {a, b});
        }
        VersionTest.assertMatchesDpkg(pairs);
    }

    @Test
    void theSecuritySuiteIsFoundBesideTheArchive() throws Exception {
        URI security = Mirrors.security(mirror(), Path.of("/etc/apt"));
        Release release = new Repository(security, "bookworm-security", Keyring.debian(), new Fetcher())
                .release(Instant.now(), false);
        assertEquals("bookworm-security", release.get("Codename"));
    }
}
