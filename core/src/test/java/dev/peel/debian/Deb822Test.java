package dev.peel.debian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class Deb822Test {
    static List<Deb822.Stanza> parse(String s) throws Exception {
        return Deb822.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsStanzasFieldsAndContinuations() throws Exception {
        List<Deb822.Stanza> st = parse("""
                Package: libc6
                Version: 2.36-9+deb12u10
                Depends: libgcc-s1
                Description: GNU C Library: Shared libraries
                 Contains the standard libraries.
                 .
                 Second paragraph.\t\s

                # a comment between stanzas

                package: zlib1g\r
                Multi-Arch: same
                """);
        assertEquals(2, st.size());
        assertEquals("2.36-9+deb12u10", st.get(0).get("version"));
        assertEquals("GNU C Library: Shared libraries\nContains the standard libraries.\n.\nSecond paragraph.\t ",
                st.get(0).get("Description"));
        assertEquals(List.of("Package", "Version", "Depends", "Description"), List.copyOf(st.get(0).fields().keySet()));
        assertEquals("zlib1g", st.get(1).get("Package"));
        assertEquals(11, st.get(1).line());
    }

    @Test
    void rejectsMalformedLinesWithTheirNumber() {
        Deb822.ParseException e = assertThrows(Deb822.ParseException.class, () -> parse("Package: a\nno colon here\n"));
        assertEquals(2, e.line());
        assertThrows(Deb822.ParseException.class, () -> parse(" starts with a continuation\n"));
        assertThrows(Deb822.ParseException.class, () -> parse("A: 1\nA: 2\n"));
    }

    @Test
    void readsDpkgsOwnDatabaseAsDpkgQueryDoes() throws Exception {
        byte[] status = Files.readAllBytes(Path.of("/var/lib/dpkg/status"));
        TreeSet<String> ours = new TreeSet<>();
        String libcDescription = null;
        for (Deb822.Stanza s : Deb822.parse(status)) {
            ours.add(s.get("Package") + " " + s.get("Version") + " " + s.get("Architecture"));
            if ("libc6".equals(s.get("Package"))) {
                libcDescription = s.get("Description");
            }
        }
        String q = Tools.run(List.of("dpkg-query", "-W", "-f", "${Package} ${Version} ${Architecture}\\n"), null, Map.of(), 60)
                .ok().out();
        assertEquals(new TreeSet<>(q.lines().toList()), ours);
        assertTrue(ours.size() > 100, "a Debian machine has hundreds of packages: " + ours.size());
        String dpkgDescription = Tools.run("dpkg-query", "-W", "-f", "${Description}", "libc6").ok().out();
        assertEquals(dpkgDescription.replace("\n ", "\n"), libcDescription);
    }
}
