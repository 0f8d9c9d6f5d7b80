package dev.peel.debian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionTest {
    @TempDir
    Path tmp;

    /** dpkg's own edge cases and the classic tricky ones: tilde, epochs, zeros, letters vs symbols. */
    static final List<String> EDGES = List.of(
            "0", "0.0", "0:0", "0:0-0", "1.0", "1.0-0", "1.0-1", "1.0-0.1", "1.0~rc1", "1.0~rc1-1", "1.0~~",
            "1.0~~a", "1.0~", "1.0a", "1.0+b1", "1.0.1", "1.0-1~bpo1", "1.0-1+deb12u1", "1.0-1+b1", "1:0.1",
            "2:0", "1:1.0-1", "1.01", "1.1", "1.001", "1.10", "1.9", "1.a", "1.A", "1.+", "1..", "1.-1",
            "1.0-a", "1.0-A", "2.30-1", "2.3-10", "10", "9.9.9", "1.2.3", "1.2.3a", "1.2.3~", "1.2.3-1",
            "1.2.3-1.1", "1.2.3-1a", "3.0.11-1~deb12u2", "3.0.15-1~deb12u1", "1:2.36-9+deb12u10",
            "2.36-9+deb12u4", "7.88.1-10+deb12u12", "20230311", "20230311+deb12u1", "0.0~git20230101",
            "1.0~beta1+dfsg", "1.0+dfsg~beta1", "1.0+~", "1.0+~a", "1:9.18.33-1~deb12u2", "4:9.18");

    @Test
    void parsesEpochUpstreamAndRevisionAsDpkgDoes() {
        assertEquals(new Version(1, "2.3-4", "5"), Version.parse("1:2.3-4-5"));
        assertEquals("1:2.3-4-5", Version.parse(" 1:2.3-4-5 ").toString());
        Version v = Version.parse("3.0.11-1~deb12u2");
        assertEquals(0, v.epoch());
        assertEquals("3.0.11", v.upstream());
        assertEquals("1~deb12u2", v.revision());
        assertThrows(IllegalArgumentException.class, () -> Version.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Version.parse("a:1.0"));
        assertThrows(IllegalArgumentException.class, () -> Version.parse("1.0-"));
        assertThrows(IllegalArgumentException.class, () -> Version.parse("1 .0"));
        assertThrows(IllegalArgumentException.class, () -> Version.parse(":1.0"));
        assertThrows(IllegalArgumentException.class, () -> Version.parse("1:-1"));
    }

    @Test
    void equalVersionsHashAlike() {
        for (String[] pair : new String[][] {{"1.0", "1.0-0"}, {"0:1.0", "1.0"}, {"1.01", "1.1"}, {"1.", "1.0"}, {"1a", "1a0"}}) {
            Version a = Version.parse(pair[0]);
            Version b = Version.parse(pair[1]);
            assertEquals(0, a.compareTo(b), pair[0] + " vs " + pair[1]);
            assertEquals(a.hashCode(), b.hashCode(), pair[0] + " vs " + pair[1]);
        }
    }

    @Test
    void ordersEdgeCasesExactlyAsDpkg() throws Exception {
        List<String[]> pairs = new ArrayList<>();
        for (String a : EDGES) {
            for (String b : EDGES) {
                pairs.add(new String[] {a, b});
            }
        }
        assertMatchesDpkg(pairs);
    }

    @Test
    void ordersRandomVersionsExactlyAsDpkg() throws Exception {
        Random r = new Random(2024);
        String alphabet = "0123456789.~+-abzAZ:";
        List<String[]> pairs = new ArrayList<>();
        while (pairs.size() < 2000) {
            String a = random(r, alphabet);
            String b = r.nextInt(4) == 0 ? a.replace('9', '1') : random(r, alphabet);
            if (valid(a) && valid(b)) {
                pairs.add(new String[] {a, b});
            }
        }
        assertMatchesDpkg(pairs);
    }

    private static String random(Random r, String alphabet) {
        StringBuilder sb = new StringBuilder().append((char) ('0' + r.nextInt(10)));
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static boolean valid(String v) {
        try {
            Version.parse(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Asks dpkg about every pair in one shell, and compares with {@link Version#compareTo}. */
    static void assertMatchesDpkg(List<String[]> pairs) throws Exception {
        Tools.require("dpkg");
        Path in = Files.createTempFile("pairs", ".txt");
        try {
            StringBuilder sb = new StringBuilder();
            for (String[] p : pairs) {
                sb.append(p[0]).append(' ').append(p[1]).append('\n');
            }
            Files.writeString(in, sb.toString());
            String script = "while read -r a b; do if dpkg --compare-versions \"$a\" lt \"$b\" 2>/dev/null; then echo '<';"
                    + " elif dpkg --compare-versions \"$a\" eq \"$b\" 2>/dev/null; then echo '='; else echo '>'; fi; done < " + in;
            List<String> dpkg = Tools.run(List.of("sh", "-c", script), null, Map.of(), 600).ok().out().lines().toList();
            assertEquals(pairs.size(), dpkg.size());
            int checked = 0;
            for (int i = 0; i < pairs.size(); i++) {
                int c = Version.parse(pairs.get(i)[0]).compareTo(Version.parse(pairs.get(i)[1]));
                String ours = c < 0 ? "<" : c == 0 ? "=" : ">";
                assertEquals(dpkg.get(i), ours, pairs.get(i)[0] + " vs " + pairs.get(i)[1]);
                checked++;
            }
            assertTrue(checked == pairs.size());
        } finally {
            Files.deleteIfExists(in);
        }
    }
}
