package dev.peel.java;

import dev.peel.debian.DebArchive;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.tar.Content;
import dev.peel.tar.LayerTree;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * {@code java.runtime: jlink}: a Java runtime of just the modules an application needs, linked by the JDK's jlink
 * from the jmods of Debian's {@code openjdk-NN-jdk-headless} for the target arch (the package itself is never
 * installed). jlink runs on the host whatever the target arch: jmods are data, and jlink copies their native files
 * as they are. It must be of the jmods' feature version, which is why peel runs it in-process only when its own JVM
 * is of that version, and else the one {@code PEEL_JLINK_JAVA_HOME} names.
 */
public final class Jlink {
    /** Where the runtime goes in the image; the same path on every arch. */
    public static final String HOME = "/usr/lib/jvm/jlink";
    /** The runtime's launcher, which the application's entrypoint runs. */
    public static final String JAVA = HOME + "/bin/java";
    /** The environment variable naming a JDK to run jlink and jdeps from when peel's own JVM is another version. */
    public static final String JAVA_HOME_ENV = "PEEL_JLINK_JAVA_HOME";
    /**
     * Size options: no debug attributes in the classes, headers or manuals, and no compression of lib/modules,
     * which the layer's gzip does better: for java.base, java.logging and jdk.crypto.ec the gzip'd tree is 15.7 MB with
     * {@code --compress=0}, 18.4 with 2 (zip'd resources gzip no further), and 15.3 with 1 (string sharing) — but
     * JDK 17's string sharing keeps state between runs in one JVM, so a second in-process link writes another
     * lib/modules: not reproducible, so not used. {@code --strip-java-debug-attributes}, not {@code --strip-debug}:
     * on Linux the latter also runs the host's objcopy over the native files, which fails on another arch's and
     * would make the bytes depend on the host's binutils; Debian's native files carry no debug info anyway (the
     * same tree on amd64 either way). And java.lang.invoke's holder classes as Debian's java.base.jmod has them
     * (generated when that JDK was built): jlink's generate-jli-classes would spin them again with the host JVM's
     * java.lang.invoke, a JVM of another update release, whose state a first link in the same JVM changes (a second
     * in-process link wrote other BoundMethodHandle species classes).
     */
    static final List<String> OPTIONS = List.of("--strip-java-debug-attributes", "--no-header-files", "--no-man-pages",
            "--compress=0", "--disable-plugin", "generate-jli-classes");
    /** From JDK 21 no compression is spelled {@code zip-0}; the digit alone is deprecated there. */
    static final List<String> OPTIONS_21 = OPTIONS.stream().map(o -> o.equals("--compress=0") ? "--compress=zip-0" : o).toList();
    /**
     * Modules added whatever jdeps finds: the EC provider, which TLS to most servers needs (ECDHE key exchange,
     * ECDSA certificates) and which the application reaches only as a security provider, so jdeps never sees it.
     */
    static final List<String> ALWAYS = List.of("jdk.crypto.ec");
    /** Debian's JRE keeps its trust store with ca-certificates-java; the linked runtime reads the same file. */
    static final String CACERTS = "/etc/ssl/certs/java/cacerts";

    private static final Pattern JMOD = Pattern.compile("usr/lib/jvm/[^/]+/jmods/([A-Za-z0-9_.]+\\.jmod)");

    private final Spec.JavaRuntime runtime;
    private final int version;
    private final Tool jlink;
    private final Tool jdeps;

    private Jlink(Spec.JavaRuntime runtime, int version, Tool jlink, Tool jdeps) {
        this.runtime = runtime;
        this.version = version;
        this.jlink = jlink;
        this.jdeps = jdeps;
    }

    /**
     * The tools for {@code runtime} on {@code suite}: this JVM's when it is of the JDK's feature version, else those of
     * {@code PEEL_JLINK_JAVA_HOME}; a clear error at the runtime line when neither fits.
     */
    public static Jlink of(Spec.JavaRuntime runtime, String suite, Map<String, String> env) throws SpecException {
        int v = version(runtime, suite);
        int host = Runtime.version().feature();
        if (host == v) {
            return new Jlink(runtime, v, new InProcess("jlink"), new InProcess("jdeps"));
        }
        String home = env.get(JAVA_HOME_ENV);
        if (home == null || home.isBlank()) {
            throw new SpecException(runtime.at(), "java.runtime: jlink links Debian's JDK " + v + ", and only a jlink of"
                    + " feature version " + v + " can; peel runs on Java " + Runtime.version(),
                    "run peel on a JDK " + v + ", or set " + JAVA_HOME_ENV + " to the folder of one (it runs its bin/jlink)");
        }
        Process jl = new Process(Path.of(home.strip(), "bin", "jlink"));
        String have = jl.version(runtime);
        if (!have.matches(v + "([.+-].*)?")) {
            throw new SpecException(runtime.at(), JAVA_HOME_ENV + " names a JDK whose jlink is " + have + ", and Debian's"
                    + " JDK " + v + " needs a jlink of feature version " + v, "set " + JAVA_HOME_ENV + " to a JDK " + v);
        }
        return new Jlink(runtime, v, jl, new Process(Path.of(home.strip(), "bin", "jdeps")));
    }

    /** java.version, else the JDK of the suite's default-jdk: bookworm 17, trixie 21. */
    public static int version(Spec.JavaRuntime runtime, String suite) throws SpecException {
        if (runtime.version() != null) {
            return runtime.version();
        }
        return switch (suite == null ? "" : suite) {
            case "bookworm" -> 17;
            case "trixie" -> 21;
            default -> throw new SpecException(runtime.at(), "java.runtime: jlink does not know the JDK of suite '"
                    + suite + "'", "add java.version: 17 (or the feature version of an openjdk-NN-jdk-headless of the suite)");
        };
    }

    public int version() {
        return version;
    }

    /** The Debian package whose jmods are linked. */
    public String jdkPackage() {
        return jdkPackage(version);
    }

    /** Debian's headless JDK of a feature version: the one that ships jmods. */
    public static String jdkPackage(int version) {
        return "openjdk-" + version + "-jdk-headless";
    }

    /** The tool's version, for cache keys: a new jlink may lay the same modules out differently. */
    public String toolVersion() throws SpecException {
        return jlink.version(runtime);
    }

    /**
     * The modules to link, sorted: what jdeps finds the application's classes and jars use (for multi-release jars,
     * the classes of this feature version), {@link #ALWAYS}, and java.modules.
     */
    public List<String> modules(Spec.Java java) throws SpecException {
        List<String> args = new ArrayList<>(List.of("--print-module-deps", "--ignore-missing-deps", "--multi-release",
                String.valueOf(version), "-q"));
        int inputs = 0;
        for (Spec.Located c : java.classes()) {
            args.add(c.path().toString());
            inputs++;
        }
        Path exploded = null;
        if (java.jar() != null && SpringBootJar.isBootJar(java.jar().path())) {
            // jdeps reads a jar's own classes, not the jars nested in it: a Boot jar's classes and libraries are
            // read from a copy of them, made for jdeps alone.
            try {
                exploded = Files.createTempDirectory("peel-jdeps-");
                for (Path p : SpringBootJar.extractForJdeps(java.jar().path(), exploded)) {
                    args.add(p.toString());
                    inputs++;
                }
            } catch (IOException e) {
                dev.peel.io.Trees.deleteQuietly(exploded);
                throw new SpecException(java.jar().at(), "cannot read " + java.jar().path() + " for jdeps: " + e.getMessage());
            }
        } else if (java.jar() != null) {
            // jdeps does not follow a jar's Class-Path; the launcher does, so what those jars use is needed too.
            for (Path j : withClassPath(java.jar().path())) {
                args.add(j.toString());
                inputs++;
            }
        }
        for (List<Spec.Located> l : List.of(java.dependencies(), java.projectDependencies())) {
            for (Spec.Located j : l) {
                args.add(j.path().toString());
                inputs++;
            }
        }
        TreeSet<String> out = new TreeSet<>(List.of("java.base"));
        try {
            if (inputs > 0) {
                String printed = jdeps.run(runtime, "jdeps", args);
                for (String m : printed.strip().split("[,\\s]+")) {
                    if (!m.isEmpty()) {
                        out.add(m);
                    }
                }
            }
        } finally {
            if (exploded != null) {
                dev.peel.io.Trees.deleteQuietly(exploded);
            }
        }
        out.addAll(ALWAYS);
        out.addAll(runtime.modules());
        return List.copyOf(out);
    }

    /** A plain jar and the jars its manifest's Class-Path names that exist beside it, as JavaApp reads them. */
    private static List<Path> withClassPath(Path jar) {
        List<Path> out = new ArrayList<>(List.of(jar));
        try (java.util.jar.JarFile z = new java.util.jar.JarFile(jar.toFile())) {
            java.util.jar.Manifest mf = z.getManifest();
            String cp = mf == null ? null : mf.getMainAttributes().getValue(java.util.jar.Attributes.Name.CLASS_PATH);
            for (String entry : cp == null ? new String[0] : cp.trim().split("\\s+")) {
                if (entry.isEmpty() || entry.endsWith("/")) {
                    continue;
                }
                try {
                    Path p = jar.getParent().resolve(java.net.URI.create("x/" + entry).getPath().substring(2)).normalize();
                    if (Files.isRegularFile(p) && !out.contains(p)) {
                        out.add(p);
                    }
                } catch (IllegalArgumentException e) {
                    // A Class-Path entry the JVM could not read either.
                }
            }
        } catch (IOException e) {
            // JavaApp has checked the jar already; jdeps will say what is wrong with it.
        }
        return out;
    }

    /** Extracts the JDK's jmods from its .deb (nothing else of it) into {@code to}; returns their module names. */
    public static TreeSet<String> extractJmods(Path deb, String what, Path to) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        Files.createDirectories(to);
        try (InputStream data = DebArchive.open(deb, what).data(); TarReader r = new TarReader(data)) {
            for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                Matcher m = JMOD.matcher(h.path());
                if (h.isRegular() && m.matches()) {
                    Files.copy(r.data(), to.resolve(m.group(1)), StandardCopyOption.REPLACE_EXISTING);
                    names.add(m.group(1).substring(0, m.group(1).length() - ".jmod".length()));
                }
            }
        }
        if (names.isEmpty()) {
            throw new DebArchive.BadPackage(what + " holds no jmods under usr/lib/jvm/*/jmods/");
        }
        return names;
    }

    /** Links {@code modules} from {@code jmods} into {@code out} (which must not exist). */
    public void link(Path jmods, TreeSet<String> available, List<String> modules, Path out) throws SpecException, IOException {
        List<String> missing = modules.stream().filter(m -> !available.contains(m)).toList();
        if (!missing.isEmpty()) {
            throw new SpecException(runtime.at(), "java.runtime: jlink: " + jdkPackage() + " has no module "
                    + String.join(", ", missing), "its modules: " + String.join(", ", available));
        }
        List<String> args = new ArrayList<>(List.of("--module-path", jmods.toString(), "--add-modules", String.join(",", modules)));
        args.addAll(options());
        args.addAll(List.of("--output", out.toString()));
        jlink.run(runtime, "jlink", args);
        // As Debian's JRE: trust is the image's ca-certificates (generate.java-cacerts), not a copy frozen in the JDK.
        Path cacerts = out.resolve("lib/security/cacerts");
        Files.deleteIfExists(cacerts);
        Files.createSymbolicLink(cacerts, Path.of(CACERTS));
    }

    /**
     * The linked tree as layer entries under {@link #HOME}: owned by root, dated {@code mtime}, directories 0755,
     * files 0755 where jlink made them executable (bin/*, lib/jspawnhelper, lib/jexec) and 0644 otherwise,
     * symlinks kept (legal/ notices link to java.base's).
     */
    public static List<TarEntry> entries(Path dir, long mtime) throws IOException {
        return entries(dir, HOME.substring(1), mtime);
    }

    /** {@link #entries(Path, long)} under {@code prefix} ("" for the tree's own relative paths), sorted, parents first. */
    public static List<TarEntry> entries(Path dir, String prefix, long mtime) throws IOException {
        LayerTree t = new LayerTree(mtime);
        List<Path> paths;
        try (Stream<Path> s = Files.walk(dir)) {
            paths = s.filter(p -> !p.equals(dir)).toList();
        }
        try {
            for (Path p : paths) {
                StringBuilder sb = new StringBuilder(prefix);
                for (Path part : dir.relativize(p)) {
                    sb.append(sb.length() == 0 ? "" : "/").append(part);
                }
                String path = sb.toString();
                TarEntry e;
                if (Files.isSymbolicLink(p)) {
                    e = TarEntry.symlink(path, Files.readSymbolicLink(p).toString(), 0, 0, mtime);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    e = TarEntry.directory(path, 0755, 0, 0, mtime);
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    // The owner's execute bit as jlink set it; access(2) would answer differently for root.
                    boolean exec = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)
                            .contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
                    e = TarEntry.file(path, exec ? 0755 : 0644, 0, 0, mtime, Content.ofFile(p));
                } else {
                    throw new IOException("jlink made " + p + ", which is neither file, folder nor symlink");
                }
                t.add(e, "jlink");
            }
            return t.entries();
        } catch (LayerTree.ConflictException e) {
            throw new IOException("jlink's output: " + e.getMessage(), e);
        }
    }

    /** The jlink options peel links this JDK with (also part of cache keys). */
    public List<String> options() {
        return version >= 21 ? OPTIONS_21 : OPTIONS;
    }

    /** jlink or jdeps: in this JVM, or a JDK's binary. */
    private interface Tool {
        String run(Spec.JavaRuntime at, String name, List<String> args) throws SpecException;

        String version(Spec.JavaRuntime at) throws SpecException;
    }

    private record InProcess(String name) implements Tool {
        @Override
        public String run(Spec.JavaRuntime at, String what, List<String> args) throws SpecException {
            Optional<ToolProvider> t = ToolProvider.findFirst(name);
            if (t.isEmpty()) {
                throw new SpecException(at.at(), "java.runtime: jlink needs the JDK's " + name + ", and peel runs on a JRE"
                        + " without it (no module jdk.jlink / jdk.jdeps)", "run peel on a JDK, or set " + JAVA_HOME_ENV);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc;
            try (PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
                 PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8)) {
                rc = t.get().run(o, e, args.toArray(String[]::new));
            }
            String text = out.toString(StandardCharsets.UTF_8);
            if (rc != 0) {
                throw failed(at, name, rc, text + err.toString(StandardCharsets.UTF_8));
            }
            return text;
        }

        @Override
        public String version(Spec.JavaRuntime at) {
            return Runtime.version().toString();
        }
    }

    private record Process(Path binary) implements Tool {
        @Override
        public String run(Spec.JavaRuntime at, String name, List<String> args) throws SpecException {
            List<String> cmd = new ArrayList<>();
            cmd.add(binary.toString());
            cmd.addAll(args);
            try {
                java.lang.Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getOutputStream().close();
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int rc = p.waitFor();
                if (rc != 0) {
                    throw failed(at, name, rc, text);
                }
                return text;
            } catch (IOException e) {
                throw new SpecException(at.at(), "java.runtime: jlink: cannot run " + binary + ": " + e.getMessage(),
                        "set " + JAVA_HOME_ENV + " to the folder of a JDK (holding bin/jlink and bin/jdeps)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SpecException(at.at(), "java.runtime: jlink: interrupted");
            }
        }

        @Override
        public String version(Spec.JavaRuntime at) throws SpecException {
            return run(at, "jlink", List.of("--version")).strip();
        }
    }

    private static SpecException failed(Spec.JavaRuntime at, String name, int rc, String output) {
        String o = output.strip();
        if (o.length() > 2000) {
            o = o.substring(0, 2000) + " …";
        }
        return new SpecException(at.at(), "java.runtime: jlink: " + name + " failed (exit " + rc + "): " + o,
                name.equals("jdeps") ? "jdeps reads every class and jar of the application; fix or replace the one it names"
                        : null);
    }
}
