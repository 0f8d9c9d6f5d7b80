package dev.peel.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;

class ReportTest {
    /** Go's time.Duration.String() for the same number of nanoseconds. */
    @ParameterizedTest(name = "{0} ns")
    @CsvSource(textBlock = """
            0,             0s
            1,             1ns
            999,           999ns
            1000,          1µs
            1500,          1.5µs
            12345678,      12.345678ms
            1000000000,    1s
            1500000000,    1.5s
            60000000000,   1m0s
            90500000000,   1m30.5s
            3600000000000, 1h0m0s
            3723000000001, 1h2m3.000000001s
            """)
    void durationsReadAsGoWritesThem(long nanos, String go) {
        assertEquals(go, Report.goDuration(Duration.ofNanos(nanos)));
    }

    @Test
    void textReportIsCstsLayout() {
        StringWriter s = new StringWriter();
        Report r = new Report(new PrintWriter(s));
        r.section("dir/config.yaml", null, List.of(
                new TestResult("File Existence Test: whoami", true, List.of(), "", "", Duration.ZERO),
                new TestResult("Command Test: echo", false, List.of("one", "two"), "out", "err", Duration.ofMillis(2))));
        r.summary();
        assertEquals("""

                ====================================
                ====== Test file: config.yaml ======
                ====================================
                === RUN: File Existence Test: whoami
                --- PASS
                duration: 0s
                === RUN: Command Test: echo
                --- FAIL
                duration: 2ms
                stdout: out
                stderr: err
                Error: one
                Error: two

                =====================================
                ============== RESULTS ==============
                =====================================
                Passes:      1
                Failures:    1
                Duration:    2ms
                Total tests: 2

                FAIL
                """, s.toString());
        assertFalse(r.passed());
    }

    @Test
    void noTestsIsAFailure() {
        StringWriter s = new StringWriter();
        Report r = new Report(new PrintWriter(s));
        r.section("empty.yaml", null, List.of());
        r.summary();
        assertTrue(s.toString().endsWith("No tests run! Check config file format.\n\nFAIL\n"), s.toString());
        assertFalse(r.passed());
    }

    @Test
    void junitEscapesMarkupAndCharactersXmlCannotHold() throws Exception {
        Report r = new Report(null);
        r.section("a&b.yaml", "linux/arm64/v8", List.of(new TestResult("Command Test: <x>", false,
                List.of("Expected string 'a\"b' not found in output '\u0001\u001b[0m\n'"), "\u0000bell\u0007", "", Duration.ofNanos(1500))));
        byte[] xml = r.junit();
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new java.io.ByteArrayInputStream(xml));
        assertEquals("a&b.yaml (linux/arm64/v8)", d.getElementsByTagName("testsuite").item(0).getAttributes()
                .getNamedItem("name").getNodeValue());
        assertEquals("0.0000015", d.getElementsByTagName("testcase").item(0).getAttributes().getNamedItem("time").getNodeValue());
        assertEquals("Expected string 'a\"b' not found in output '\uFFFD\uFFFD[0m\n'",
                d.getElementsByTagName("failure").item(0).getTextContent());
        assertEquals("\uFFFDbell\uFFFD", d.getElementsByTagName("system-out").item(0).getTextContent());
        assertTrue(new String(xml, StandardCharsets.UTF_8).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites failures=\"1\" tests=\"1\""));
    }
}
