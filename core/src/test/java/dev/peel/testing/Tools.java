package dev.peel.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real tools tests use as oracles (skopeo, umoci, tar, gzip, busybox), bounded in time. */
public final class Tools {
    /** What a finished command printed. */
    public record Run(int exit, String out, String err) {
        public Run ok() {
            if (exit != 0) {
                fail("command failed with exit " + exit + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    private Tools() {
    }

    /** Fails the test with the install hint when a tool is missing: the README's test command installs it. */
    public static String require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        fail(tool + " is not installed; run the README's test command (scripts/test.sh), which installs it");
        return null;
    }

    public static Run run(List<String> cmd) throws IOException, InterruptedException {
        return run(cmd, null, Map.of(), 300);
    }

    public static Run run(String... cmd) throws IOException, InterruptedException {
        return run(List.of(cmd));
    }

    public static Run run(List<String> cmd, Path dir, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd));
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        Path out = Files.createTempFile("peel-test-out", ".txt");
        Path err = Files.createTempFile("peel-test-err", ".txt");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out after " + timeoutSeconds + " s: " + cmd);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * The npm packages the tests use as independent oracles (sigstore-js, CycloneDX's library, ajv, tweetnacl),
     * installed by the README's test command into {@code oracles/npm/node_modules} of the repository.
     */
    public static Path npmOracles() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path modules = d.resolve("oracles/npm/node_modules");
            if (Files.isDirectory(modules)) {
                return modules;
            }
        }
        fail("oracles/npm/node_modules is missing; run the README's test command (scripts/test.sh), which installs it");
        return null;
    }

    /** Runs a Node script (text) with the npm oracles on its module path; args follow the script. */
    public static Run node(String script, List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
        Path modules = npmOracles();
        Path file = Files.createTempFile(modules.getParent(), "peel-test-", ".cjs");
        try {
            Files.writeString(file, script, StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>(List.of(require("node"), file.toString()));
            cmd.addAll(args);
            return run(cmd, modules.getParent(), Map.of("NODE_PATH", modules.toString()), timeoutSeconds);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A test resource copied to an executable temp file. */
    public static Path script(String resource) throws IOException {
        Path p = Files.createTempFile("peel-", "-" + resource);
        try (var in = Tools.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IOException("no resource " + resource);
            }
            Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        p.toFile().setExecutable(true);
        return p;
    }
}
