package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds over a shared cache that other builds are killed in the middle of (SIGKILL, no chance to clean
 * up) or share at the same moment: every next build must succeed with the same digest.
 */
class CacheRobustnessTest {
    @TempDir
    static Path tmp;
    static Path spec;
    static String reference;

    record Result(int exit, String out, String err) {
    }

    static Result peel(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** peel in a JVM of its own, as a user runs it. */
    static Process start(Path cache, Path out) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "-q", "--cache", cache.toString(), "build", spec.toString(), "-o", out.toString());
        return new ProcessBuilder(cmd).redirectOutput(out.resolveSibling(out.getFileName() + ".stdout").toFile())
                .redirectError(out.resolveSibling(out.getFileName() + ".stderr").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    @BeforeAll
    static void lockAndReference() throws Exception {
        spec = tmp.resolve("image.yaml");
        Files.writeString(spec, "archs: [amd64]\ndebian:\n  suite: bookworm\n"
                + "  packages: [base-files, netbase, tzdata, ca-certificates, libc6, libssl3, busybox-static]\n");
        Result lock = peel("-q", "--cache", tmp.resolve("ref-cache").toString(), "lock", spec.toString());
        assertEquals(0, lock.exit(), lock.err());
        Result ref = peel("-q", "--cache", tmp.resolve("ref-cache").toString(), "build", spec.toString(), "-o",
                tmp.resolve("ref").toString());
        assertEquals(0, ref.exit(), ref.err());
        reference = ref.out().strip();
    }

    static List<Path> entries(Path cache) throws Exception {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void buildsKilledAtRandomMomentsLeaveACacheTheNextBuildCanUse() throws Exception {
        Path cache = tmp.resolve("shared-cache");
        Random random = new Random(20261122L);
        int killed = 0;
        for (int round = 0; round < 20; round++) {
            // Drop part of the cache so the killed build has downloads and layers to write when it dies.
            for (Path p : entries(cache)) {
                if (random.nextInt(3) > 0) {
                    Files.deleteIfExists(p);
                }
            }
            Path out = tmp.resolve("killed-" + round);
            Process p = start(cache, out);
            long delay = 150 + random.nextInt(2500);
            boolean finished = p.waitFor(delay, TimeUnit.MILLISECONDS);
            if (!finished) {
                killed++;
                p.destroyForcibly();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            }
            String prefix = "." + out.getFileName() + ".peel-";
            // The next build writes the same output: it replaces whatever the killed one left.
            Result next = peel("-q", "--cache", cache.toString(), "build", spec.toString(), "-o", out.toString());
            assertEquals(0, next.exit(), "round " + round + " (killed after " + delay + " ms): " + next.err());
            assertEquals(reference, next.out().strip(), "round " + round);
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.map(x -> x.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList(),
                        "the killed build's temporaries are swept, round " + round);
            }
        }
        assertTrue(killed >= 10, "most builds must really be killed before they finish, not " + killed);
    }

    @Test
    void twoBuildsShareAnEmptyCacheAtOnce() throws Exception {
        Path cache = tmp.resolve("concurrent-cache");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ps.add(start(cache, tmp.resolve("concurrent-" + i)));
        }
        for (int i = 0; i < 2; i++) {
            assertTrue(ps.get(i).waitFor(300, TimeUnit.SECONDS));
            Path o = tmp.resolve("concurrent-" + i);
            assertEquals(0, ps.get(i).exitValue(), Files.readString(o.resolveSibling(o.getFileName() + ".stderr")));
            assertEquals(reference, Files.readString(o.resolveSibling(o.getFileName() + ".stdout")).strip());
        }
        Result info = peel("--cache", cache.toString(), "cache", "info");
        assertEquals(0, info.exit());
        int locked = dev.peel.debian.Lock.parse(Files.readAllBytes(tmp.resolve("image.lock.json"))).archs().get("amd64").size();
        assertTrue(info.out().lines().anyMatch(l -> l.matches("debs\\s+" + locked + " entries.*")), info.out());
        assertTrue(info.out().lines().anyMatch(l -> l.matches("blobs\\s+" + locked + " entries.*")), "a layer per package, once");
    }

    @Test
    void pruneTrimsTheCacheAndTheNextBuildRefillsIt() throws Exception {
        Path cache = tmp.resolve("prune-cache");
        Result first = peel("-q", "--cache", cache.toString(), "build", spec.toString(), "-o", tmp.resolve("p1").toString());
        assertEquals(0, first.exit(), first.err());
        Result keep = peel("--cache", cache.toString(), "cache", "prune", "--older-than", "1d");
        assertTrue(keep.out().startsWith("removed 0 entries"), keep.out());
        Result trim = peel("--cache", cache.toString(), "cache", "prune", "--max-size", "1M");
        assertEquals(0, trim.exit());
        long left = entries(cache).stream().mapToLong(p -> p.toFile().length()).sum();
        assertTrue(left <= 1 << 20, "at most 1 MiB left, not " + left);
        assertEquals(2, peel("--cache", cache.toString(), "cache", "prune", "--max-size", "lots").exit());
        Result again = peel("-q", "--cache", cache.toString(), "build", spec.toString(), "-o", tmp.resolve("p2").toString());
        assertEquals(reference, again.out().strip());
        assertEquals(0, peel("--cache", cache.toString(), "cache", "prune").exit());
        assertEquals(List.of(), entries(cache).stream().filter(p -> !p.getFileName().toString().endsWith(".lock")).toList());
    }
}
