package dev.peel.structure;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * container-structure-test's text report (a banner per file, {@code === RUN:} / {@code --- PASS} per test, the results
 * block) and a JUnit XML report of the same results.
 */
public final class Report {
    /** The results of one test file against one platform's image. */
    public record Section(String file, String platform, List<TestResult> results) {
    }

    private final PrintWriter out;
    private final List<Section> sections = new ArrayList<>();
    private int bannerLength = 27;

    /** @param out where the text report goes; null for none (the JUnit report is still made) */
    public Report(PrintWriter out) {
        this.out = out;
    }

    /** Prints a file's banner (with the platform when {@code platform} is not null) and its results. */
    public void section(String file, String platform, List<TestResult> results) {
        sections.add(new Section(file, platform, List.copyOf(results)));
        if (out == null) {
            return;
        }
        String name = file.contains("/") ? file.substring(file.lastIndexOf('/') + 1) : file;
        String title = "====== Test file: " + name + (platform == null ? "" : " (" + platform + ")") + " ======";
        bannerLength = title.length();
        out.println();
        out.println("=".repeat(bannerLength));
        out.println(title);
        out.println("=".repeat(bannerLength));
        for (TestResult r : results) {
            out.println("=== RUN: " + r.name());
            out.println(r.pass() ? "--- PASS" : "--- FAIL");
            out.println("duration: " + goDuration(r.duration()));
            if (!r.stdout().isEmpty()) {
                out.println("stdout: " + r.stdout());
            }
            if (!r.stderr().isEmpty()) {
                out.println("stderr: " + r.stderr());
            }
            for (String e : r.errors()) {
                out.println("Error: " + e);
            }
        }
        out.flush();
    }

    public int passes() {
        return (int) sections.stream().flatMap(s -> s.results().stream()).filter(TestResult::pass).count();
    }

    public int failures() {
        return (int) sections.stream().flatMap(s -> s.results().stream()).filter(r -> !r.pass()).count();
    }

    /** Whether every test passed and at least one ran (container-structure-test fails a run of no tests). */
    public boolean passed() {
        return failures() == 0 && passes() > 0;
    }

    public Duration duration() {
        return sections.stream().flatMap(s -> s.results().stream()).map(TestResult::duration).reduce(Duration.ZERO, Duration::plus);
    }

    /** Prints the results block and PASS or FAIL. */
    public void summary() {
        if (out == null) {
            return;
        }
        int total = passes() + failures();
        if (total == 0) {
            out.println("No tests run! Check config file format.");
            out.println();
            out.println("FAIL");
            return;
        }
        int length = bannerLength % 2 == 0 ? bannerLength + 1 : bannerLength;
        String side = "=".repeat((length - 9) / 2);
        out.println();
        out.println("=".repeat(length));
        out.println(side + " RESULTS " + side);
        out.println("=".repeat(length));
        out.println("Passes:      " + passes());
        out.println("Failures:    " + failures());
        out.println("Duration:    " + goDuration(duration()));
        out.println("Total tests: " + total);
        out.println();
        out.println(passed() ? "PASS" : "FAIL");
        out.flush();
    }

    /**
     * JUnit XML: {@code testsuites} (failures, tests, time), a {@code testsuite} per test file and platform (name: the
     * file; with several platforms, the platform after it), a {@code testcase} per test (classname: the platform, else
     * the file) with one {@code failure} holding its errors, and a command's stdout and stderr.
     */
    public byte[] junit() {
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append("<testsuites failures=\"").append(failures()).append("\" tests=\"").append(passes() + failures())
                .append("\" time=\"").append(seconds(duration())).append("\">\n");
        for (Section s : sections) {
            long failed = s.results().stream().filter(r -> !r.pass()).count();
            Duration d = s.results().stream().map(TestResult::duration).reduce(Duration.ZERO, Duration::plus);
            String suite = s.platform() == null ? s.file() : s.file() + " (" + s.platform() + ")";
            x.append("  <testsuite name=\"").append(xml(suite)).append("\" tests=\"").append(s.results().size())
                    .append("\" failures=\"").append(failed).append("\" time=\"").append(seconds(d)).append("\">\n");
            for (TestResult r : s.results()) {
                x.append("    <testcase name=\"").append(xml(r.name())).append("\" classname=\"")
                        .append(xml(s.platform() == null ? s.file() : s.platform())).append("\" time=\"")
                        .append(seconds(r.duration())).append('"');
                if (r.pass() && r.stdout().isEmpty() && r.stderr().isEmpty()) {
                    x.append("/>\n");
                    continue;
                }
                x.append(">\n");
                if (!r.pass()) {
                    String first = r.errors().isEmpty() ? "failed" : r.errors().get(0);
                    x.append("      <failure message=\"").append(xml(first)).append("\">")
                            .append(xml(String.join("\n", r.errors()))).append("</failure>\n");
                }
                if (!r.stdout().isEmpty()) {
                    x.append("      <system-out>").append(xml(r.stdout())).append("</system-out>\n");
                }
                if (!r.stderr().isEmpty()) {
                    x.append("      <system-err>").append(xml(r.stderr())).append("</system-err>\n");
                }
                x.append("    </testcase>\n");
            }
            x.append("  </testsuite>\n");
        }
        x.append("</testsuites>\n");
        return x.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString();
    }

    /** Text as XML character data or attribute: markup escaped, characters XML 1.0 cannot hold replaced by U+FFFD. */
    static String xml(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\n' -> b.append("&#10;");
                case '\r' -> b.append("&#13;");
                case '\t' -> b.append("&#9;");
                default -> {
                    boolean surrogatePair = Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1));
                    if (surrogatePair) {
                        b.append(c).append(s.charAt(++i));
                    } else if (c < 0x20 || Character.isSurrogate(c) || c == 0xFFFE || c == 0xFFFF) {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** A duration as Go's time.Duration.String() writes it: 0s, 512ns, 1.5µs, 12.345ms, 2.5s, 1m30s, 1h0m0s. */
    public static String goDuration(Duration d) {
        long n = d.toNanos();
        if (n == 0) {
            return "0s";
        }
        String sign = n < 0 ? "-" : "";
        n = Math.abs(n);
        if (n < 1_000) {
            return sign + n + "ns";
        }
        if (n < 1_000_000) {
            return sign + fraction(n, 3) + "µs";
        }
        if (n < 1_000_000_000) {
            return sign + fraction(n, 6) + "ms";
        }
        long hours = n / 3_600_000_000_000L;
        long minutes = n / 60_000_000_000L % 60;
        long secNanos = n % 60_000_000_000L;
        StringBuilder b = new StringBuilder(sign);
        if (hours > 0) {
            b.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            b.append(minutes).append('m');
        }
        return b.append(fraction(secNanos, 9)).append('s').toString();
    }

    private static String fraction(long v, int digits) {
        long unit = (long) Math.pow(10, digits);
        String frac = String.format("%0" + digits + "d", v % unit).replaceFirst("0+$", "");
        return (v / unit) + (frac.isEmpty() ? "" : "." + frac);
    }
}
