package dev.peel.structure;

import dev.peel.image.Image;
import dev.peel.io.Trees;
import dev.peel.oci.ImageConfig;
import dev.peel.tar.TarReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Runs container-structure-test files against one image: file, license and metadata tests from the image's bytes
 * ({@link ImageFiles}), command tests through a {@link CommandRunner}. Each file's tests run in
 * container-structure-test's order — command, file content, file existence, license, metadata — with its checks and
 * its messages.
 */
public final class StructureTests {
    /** The message of every command test when no runner is given. */
    public static final String NO_RUNNER = "command tests need peel run's sandbox";

    private static final Pattern DEBIAN_COPYRIGHT = Pattern.compile("usr/share/doc/[^/]+/copyright");
    /** container-structure-test's own: a copyright file holding one of these words fails. */
    private static final List<String> DENIED_LICENSES = List.of("AGPL", "WTFPL");
    /** container-structure-test's own: packages whose copyright files are not checked. */
    private static final Set<String> LICENSE_EXEMPT = Set.of("libgnutls30");
    private static final int SHOWN_CONTENT = 4096;

    private final Image image;
    private final CommandRunner runner;
    private final Map<String, String> imageEnv;
    private ImageFiles files;

    /** @param runner null: every command test fails with {@link #NO_RUNNER} */
    public StructureTests(Image image, CommandRunner runner) {
        this.image = image;
        this.runner = runner;
        this.imageEnv = GoEnv.toMap(image.config().config().env());
    }

    /** Runs every file's tests; the results of each file in order. Reads the image's layers once, and only if needed. */
    public List<List<TestResult>> run(List<Suite> suites) throws IOException {
        List<List<TestResult>> out = new ArrayList<>();
        for (Suite s : suites) {
            out.add(run(s, suites));
        }
        return out;
    }

    private List<TestResult> run(Suite s, List<Suite> all) throws IOException {
        List<TestResult> results = new ArrayList<>();
        Map<String, String> env = withGlobals(s);
        for (Suite.CommandTest t : s.commandTests()) {
            results.add(command(t, env));
        }
        for (Suite.FileContentTest t : s.fileContentTests()) {
            results.add(timed("File Content Test: " + t.name(), errors -> content(t, files(all), errors)));
        }
        for (Suite.FileExistenceTest t : s.fileExistenceTests()) {
            results.add(timed("File Existence Test: " + t.name(), errors -> existence(t, env, files(all), errors)));
        }
        for (Suite.LicenseTest t : s.licenseTests()) {
            results.add(timed("License Test", errors -> license(t, files(all), errors)));
        }
        if (s.metadataTest() != null) {
            results.add(timed("Metadata Test", errors -> metadata(s.metadataTest(), image.config().config(), errors)));
        }
        return results;
    }

    private interface Check {
        void run(List<String> errors) throws IOException;
    }

    private static TestResult timed(String name, Check check) throws IOException {
        long start = System.nanoTime();
        List<String> errors = new ArrayList<>();
        check.run(errors);
        return new TestResult(name, errors.isEmpty(), errors, "", "", Duration.ofNanos(System.nanoTime() - start));
    }

    /** The image's env with the file's globalEnvVars, each value expanded against the image's env (as docker's driver does). */
    private Map<String, String> withGlobals(Suite s) {
        Map<String, String> env = new LinkedHashMap<>(imageEnv);
        for (Suite.KeyValue g : s.globalEnvVars()) {
            env.put(g.key(), GoEnv.expand(g.value(), imageEnv));
        }
        return env;
    }

    /** The image's files, read once for every file's tests, keeping the bytes any of them reads. */
    private ImageFiles files(List<Suite> suites) throws IOException {
        if (files == null) {
            Set<String> wanted = new HashSet<>();
            boolean debian = false;
            for (Suite s : suites) {
                s.fileContentTests().forEach(t -> wanted.add(clean(t.path())));
                for (Suite.LicenseTest t : s.licenseTests()) {
                    debian |= t.debian();
                    t.files().forEach(f -> wanted.add(clean(f)));
                }
            }
            boolean copyrights = debian;
            files = ImageFiles.read(image.layers(), p -> wanted.contains(p) || copyrights && DEBIAN_COPYRIGHT.matcher(p).matches());
            List<String> paths = new ArrayList<>(wanted);
            if (copyrights) {
                try {
                    for (String p : files.readDir("/usr/share/doc")) {
                        paths.add("/usr/share/doc/" + p + "/copyright");
                    }
                } catch (IOException e) {
                    // The license test reports it.
                }
            }
            files.prefetch(paths);
        }
        return files;
    }

    private TestResult command(Suite.CommandTest t, Map<String, String> globals) throws IOException {
        String name = "Command Test: " + t.name();
        if (runner == null) {
            return new TestResult(name, false, List.of(NO_RUNNER), "", "", Duration.ZERO);
        }
        Map<String, String> env = new LinkedHashMap<>(globals);
        for (Suite.KeyValue v : t.envVars()) {
            env.put(v.key(), GoEnv.expand(v.value(), globals));
        }
        List<String> argv = new ArrayList<>();
        argv.add(GoEnv.expand(t.command(), env));
        for (String a : t.args()) {
            argv.add(GoEnv.expand(a, env));
        }
        Path state = Files.createTempDirectory("peel-test-");
        try {
            for (List<String> setup : t.setup()) {
                try {
                    runner.run(setup, env, state);
                } catch (IOException e) {
                    return new TestResult(name, false, List.of("error in setup: " + e.getMessage()), "", "", Duration.ZERO);
                }
            }
            long start = System.nanoTime();
            CommandRunner.Result r;
            try {
                r = runner.run(argv, env, state);
            } catch (IOException e) {
                return new TestResult(name, false, List.of(e.getMessage()), "", "", Duration.ofNanos(System.nanoTime() - start));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            for (List<String> teardown : t.teardown()) {
                try {
                    runner.run(teardown, env, state);
                } catch (IOException e) {
                    // container-structure-test logs a failed teardown and keeps the test's result.
                    break;
                }
            }
            List<String> errors = new ArrayList<>();
            for (Suite.Regex re : t.expectedError()) {
                if (!re.find(r.stderr())) {
                    errors.add("Expected string '" + re.source() + "' not found in error '" + r.stderr() + "'");
                }
            }
            for (Suite.Regex re : t.excludedError()) {
                if (re.find(r.stderr())) {
                    errors.add("Excluded string '" + re.source() + "' found in error '" + r.stderr() + "'");
                }
            }
            for (Suite.Regex re : t.expectedOutput()) {
                if (!re.find(r.stdout())) {
                    errors.add("Expected string '" + re.source() + "' not found in output '" + r.stdout() + "'");
                }
            }
            for (Suite.Regex re : t.excludedOutput()) {
                if (re.find(r.stdout())) {
                    errors.add("Excluded string '" + re.source() + "' found in output '" + r.stdout() + "'");
                }
            }
            if (t.exitCode() != r.exitCode()) {
                errors.add("Test '" + t.name() + "' exited with incorrect error code. Expected: " + t.exitCode() + ", Actual: "
                        + r.exitCode());
            }
            return new TestResult(name, errors.isEmpty(), errors, r.stdout(), r.stderr(), took);
        } finally {
            Trees.deleteQuietly(state);
        }
    }

    private static void content(Suite.FileContentTest t, ImageFiles files, List<String> errors) {
        String text;
        try {
            text = new String(files.readFile(t.path()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.add("Failed to open " + t.path() + ". Error: " + e.getMessage());
            return;
        }
        for (Suite.Regex re : t.expectedContents()) {
            if (!re.find(text)) {
                errors.add("Expected string '" + re.source() + "' not found in file content string '" + shown(text) + "'");
            }
        }
        for (Suite.Regex re : t.excludedContents()) {
            if (re.find(text)) {
                errors.add("Excluded string '" + re.source() + "' found in file content string '" + shown(text) + "'");
            }
        }
    }

    /** A file's text in a message: whole, as container-structure-test prints it, unless it is long. */
    private static String shown(String text) {
        return text.length() <= SHOWN_CONTENT ? text
                : text.substring(0, SHOWN_CONTENT) + "… (" + text.length() + " characters; the rest left out)";
    }

    private static void existence(Suite.FileExistenceTest t, Map<String, String> env, ImageFiles files, List<String> errors) {
        TarReader.Header h;
        try {
            h = files.lstat(GoEnv.expand(t.path(), env));
        } catch (IOException e) {
            if (t.shouldExist()) {
                errors.add("Error examining file in container: " + e.getMessage());
            }
            return;
        }
        if (!t.shouldExist()) {
            errors.add("File " + t.path() + " should not exist but does");
            return;
        }
        String mode = fileMode(h);
        if (t.permissions() != null && !t.permissions().equals(mode)) {
            errors.add(t.path() + " has incorrect permissions. Expected: " + t.permissions() + ", Actual: " + mode);
        }
        if (t.isExecutableBy() != null) {
            int perm = h.type() == '2' ? 0777 : h.mode();
            int bits = switch (t.isExecutableBy()) {
                case "owner" -> 0100;
                case "group" -> 0010;
                case "other" -> 0001;
                default -> 0111;
            };
            if ((perm & bits) == 0) {
                errors.add(t.path() + " has incorrect executable bit. Expected to be executable by " + t.isExecutableBy()
                        + ", Actual: " + mode);
            }
        }
        if (t.uid() != null && h.uid() != t.uid()) {
            errors.add(t.path() + " has incorrect user ownership. Expected: " + t.uid() + ", Actual: " + h.uid());
        }
        if (t.gid() != null && h.gid() != t.gid()) {
            errors.add(t.path() + " has incorrect group ownership. Expected: " + t.gid() + ", Actual: " + h.gid());
        }
    }

    /**
     * Go's FileMode.String() of the entry: the type and special bits as letters ({@code d}, {@code L}, {@code D},
     * {@code p}, {@code u}, {@code g}, {@code c}, {@code t}; {@code -} when none), then rwx for the nine permission
     * bits. A symlink's permissions are 0777, as lstat gives them on Linux.
     */
    static String fileMode(TarReader.Header h) {
        StringBuilder s = new StringBuilder();
        switch (h.type()) {
            case '5' -> s.append('d');
            case '2' -> s.append('L');
            case '3' -> s.append('D');
            case '4' -> s.append('D');
            case '6' -> s.append('p');
            default -> {
            }
        }
        int mode = h.type() == '2' ? 0777 : h.mode();
        if ((mode & 04000) != 0) {
            s.append('u');
        }
        if ((mode & 02000) != 0) {
            s.append('g');
        }
        if (h.type() == '3') {
            s.append('c');
        }
        if ((mode & 01000) != 0) {
            s.append('t');
        }
        if (s.isEmpty()) {
            s.append('-');
        }
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            s.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return s.toString();
    }

    private static void license(Suite.LicenseTest t, ImageFiles files, List<String> errors) {
        if (t.debian()) {
            List<String> packages;
            try {
                packages = files.readDir("/usr/share/doc");
            } catch (IOException e) {
                errors.add("Error reading directory: " + e.getMessage());
                return;
            }
            for (String p : packages) {
                String path = "/usr/share/doc/" + p;
                try {
                    if (!files.lstat(path).isDirectory() || LICENSE_EXEMPT.contains(p)) {
                        continue;
                    }
                } catch (IOException e) {
                    continue;
                }
                String copyright = path + "/copyright";
                try {
                    files.lstat(copyright);
                } catch (IOException e) {
                    errors.add("Error reading license file for " + p + ": " + e.getMessage());
                }
                checkLicense(copyright, files, errors);
            }
        }
        for (String f : t.files()) {
            checkLicense(f, files, errors);
        }
    }

    private static void checkLicense(String file, ImageFiles files, List<String> errors) {
        String text;
        try {
            text = new String(files.readFile(file), StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            errors.add("Error reading license file for " + file + ": " + e.getMessage());
            return;
        }
        for (String word : DENIED_LICENSES) {
            if (text.contains(word)) {
                errors.add("Invalid license for " + file + ", license contains " + word);
                return;
            }
        }
    }

    private static void metadata(Suite.MetadataTest t, ImageConfig.Container c, List<String> errors) {
        Map<String, String> env = GoEnv.toMap(c.env());
        for (Suite.KeyValue kv : t.envVars()) {
            String actual = env.get(kv.key());
            if (actual == null) {
                errors.add("variable " + kv.key() + " not found in image env");
            } else if (!(kv.regex() != null ? kv.regex().find(actual) : kv.value().equals(actual))) {
                errors.add("env var " + kv.key() + " value " + actual + " does not match expected value: " + kv.value());
            }
        }
        for (String key : t.unboundEnvVars()) {
            if (env.containsKey(key)) {
                errors.add("env variable " + key + " should not be present in image metadata");
            }
        }
        for (Suite.KeyValue kv : t.labels()) {
            String actual = c.labels().get(kv.key());
            if (actual == null) {
                errors.add("label " + kv.key() + " not found in image metadata");
            } else if (!(kv.regex() != null ? kv.regex().find(actual) : kv.value().equals(actual))) {
                errors.add("label " + kv.key() + " value " + actual + " does not match expected value: " + kv.value());
            }
        }
        List<String> cmd = c.cmd() == null ? List.of() : c.cmd();
        if (t.cmd() != null) {
            if (t.cmd().size() != cmd.size()) {
                errors.add("Image Cmd " + go(cmd) + " does not match expected Cmd: " + go(t.cmd()));
            } else {
                for (int i = 0; i < cmd.size(); i++) {
                    if (!t.cmd().get(i).equals(cmd.get(i))) {
                        errors.add("Image config Cmd " + go(cmd) + " does not match expected value: " + go(t.cmd()));
                    }
                }
            }
        }
        List<String> entrypoint = c.entrypoint() == null ? List.of() : c.entrypoint();
        if (t.entrypoint() != null) {
            if (t.entrypoint().size() != entrypoint.size()) {
                errors.add("Image entrypoint " + go(entrypoint) + " does not match expected entrypoint: " + go(t.entrypoint()));
            } else {
                for (int i = 0; i < entrypoint.size(); i++) {
                    if (!t.entrypoint().get(i).equals(entrypoint.get(i))) {
                        errors.add("Image config entrypoint " + go(entrypoint) + " does not match expected value: "
                                + go(t.entrypoint()));
                    }
                }
            }
        }
        String workdir = c.workingDir() == null ? "" : c.workingDir();
        if (!t.workdir().isEmpty() && !t.workdir().equals(workdir)) {
            errors.add("Image workdir " + workdir + " does not match config workdir: " + t.workdir());
        }
        String user = c.user() == null ? "" : c.user();
        if (!t.user().isEmpty() && !t.user().equals(user)) {
            errors.add("Image user " + user + " does not match config user: " + t.user());
        }
        for (String port : t.exposedPorts()) {
            if (!exposed(port, c.exposedPorts())) {
                errors.add("Port " + port + " not found in config");
            }
        }
        for (String port : t.unexposedPorts()) {
            if (exposed(port, c.exposedPorts())) {
                errors.add("Port " + port + " should not be exposed");
            }
        }
        for (String v : t.volumes()) {
            if (!c.volumes().contains(v)) {
                errors.add("Volume " + v + " not found in config");
            }
        }
        for (String v : t.unmountedVolumes()) {
            if (c.volumes().contains(v)) {
                errors.add("Volume " + v + " should not be mounted");
            }
        }
    }

    /**
     * container-structure-test compares a port with the config's ports without their protocol ({@code 8080} for
     * {@code 8080/tcp}); peel also takes {@code 8080/tcp}, compared whole.
     */
    private static boolean exposed(String port, Set<String> ports) {
        for (String p : ports) {
            if (port.contains("/") ? p.equals(port) : p.split("/")[0].equals(port)) {
                return true;
            }
        }
        return false;
    }

    /** A list as Go's %v prints a []string. */
    private static String go(List<String> l) {
        return "[" + String.join(" ", l) + "]";
    }

    static String clean(String path) {
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p;
    }
}
