package dev.peel.maven;

import dev.peel.build.Build;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.cache.Cache;
import dev.peel.oci.Json;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * What every goal shares: the project's application (its output folder, its runtime classpath from Maven, the
 * reactor's modules as project dependencies) written as a peel spec with a {@code java:} section on the configured
 * base, then built by peel's core — no copy-dependencies step, no daemon.
 */
abstract class ImageMojo extends AbstractMojo {
    /** The container's settings (Jib's {@code container} block). */
    public static class Container {
        List<String> jvmFlags = new ArrayList<>();
        String mainClass;
        List<String> args = new ArrayList<>();
        Map<String, String> environment = new LinkedHashMap<>();
        List<String> ports = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>();
        String user;
        String workingDirectory;
        String appRoot;
        /** Short names, as peel's spec writes them: the same as environment and workingDirectory. */
        Map<String, String> env = new LinkedHashMap<>();
        String workdir;
    }

    /** A file or folder added to the image (Jib's {@code extraDirectories}), with its owner and mode. */
    public static class ExtraFile {
        File from;
        String into;
        String mode;
        String owner;
    }

    /** A dependency layer of its own: jars whose file names match {@code files} or whose groupId matches {@code groups}. */
    public static class LayerGroup {
        String name;
        List<String> files = new ArrayList<>();
        List<String> groups = new ArrayList<>();
    }

    /** A mode and/or owner for the application's image paths matching {@code path} (a glob), as java.permissions. */
    public static class Permission {
        String path;
        String mode;
        String owner;
    }

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    MavenSession session;

    /** The base: a preset (java17, java21-debian13, …), {@code oci:DIR[:TAG]} or a registry reference. */
    @Parameter(property = "peel.base", defaultValue = "java17")
    String base;

    /**
     * Debian archs to build (one index for several). Default: every platform of an image base (oci: or registry),
     * the host's arch on a preset.
     */
    @Parameter(property = "peel.archs")
    List<String> archs = new ArrayList<>();

    /** The image's name (a registry reference for push). */
    @Parameter(property = "peel.image")
    String image;

    /** Further tags. */
    @Parameter(property = "peel.tags")
    List<String> tags = new ArrayList<>();

    @Parameter
    Container container = new Container();

    @Parameter
    List<ExtraFile> extraFiles = new ArrayList<>();

    @Parameter
    List<LayerGroup> layers = new ArrayList<>();

    @Parameter
    List<Permission> permissions = new ArrayList<>();

    /** Skips every goal. */
    @Parameter(property = "peel.skip", defaultValue = "false")
    boolean skip;

    /** In a reactor: build only these modules (artifactIds). */
    @Parameter(property = "peel.modules")
    List<String> modules = new ArrayList<>();

    @Parameter(property = "peel.mainClass")
    String mainClassProperty;

    @Parameter(property = "peel.jvmFlags")
    List<String> jvmFlagsProperty = new ArrayList<>();

    @Parameter(property = "peel.args")
    List<String> argsProperty = new ArrayList<>();

    @Parameter(property = "peel.appRoot")
    String appRootProperty;

    @Parameter(property = "peel.user")
    String userProperty;

    @Parameter(property = "peel.workingDirectory")
    String workingDirectoryProperty;

    @Parameter(property = "peel.workdir")
    String workdirProperty;

    /** Environment entries, KEY=VALUE, comma-separated; over the container's. */
    @Parameter(property = "peel.env")
    List<String> envProperty = new ArrayList<>();

    /** Labels, KEY=VALUE, comma-separated; over the container's. */
    @Parameter(property = "peel.labels")
    List<String> labelsProperty = new ArrayList<>();

    @Parameter(property = "peel.ports")
    List<String> portsProperty = new ArrayList<>();

    /**
     * {@code jre} (default): the base's java; {@code jlink}: a runtime of just the modules the app needs, linked from
     * Debian's JDK for each arch (base {@code java-base}).
     */
    @Parameter(property = "peel.runtime")
    String runtime;

    /** With jlink: the JDK's feature version (default: the suite's, 17 on Debian 12). */
    @Parameter(property = "peel.javaVersion")
    Integer javaVersion;

    /** With jlink: modules added to those jdeps finds (jdk.localedata, java.naming, …). */
    @Parameter(property = "peel.addModules")
    List<String> addModules = new ArrayList<>();

    @Parameter(defaultValue = "${project.build.outputTimestamp}")
    String outputTimestamp;

    /**
     * The project's lock (peel:lock writes it): when it exists, builds install exactly its package versions (no index
     * is read) and its base digest, so the image stays the same until the lock is renewed; commit it with the project.
     */
    @Parameter(property = "peel.lockFile", defaultValue = "${project.basedir}/peel.lock.json")
    File lockFile;

    /** Registries that may be spoken to over plain HTTP (loopback always may). */
    @Parameter(property = "peel.insecureRegistries")
    List<String> insecureRegistries = new ArrayList<>();

    /** peel's cache; default $XDG_CACHE_HOME/peel or ~/.cache/peel. */
    @Parameter(property = "peel.cache")
    File cache;

    /** Whether this module builds an image at all; logs why not. */
    boolean applies() {
        if (skip) {
            getLog().info("peel: skipped (peel.skip)");
            return false;
        }
        if ("pom".equals(project.getPackaging())) {
            getLog().info("peel: " + project.getArtifactId() + " is a pom module; skipped");
            return false;
        }
        if (!modules.isEmpty() && !modules.contains(project.getArtifactId())) {
            getLog().info("peel: " + project.getArtifactId() + " is not in peel.modules; skipped");
            return false;
        }
        return true;
    }

    Path work() throws IOException {
        return Files.createDirectories(Path.of(project.getBuild().getDirectory(), "peel"));
    }

    /** The spec this project's image is: written to target/peel/peel.yaml (JSON, which YAML reads), then parsed. */
    Spec spec() throws MojoExecutionException, MojoFailureException {
        Map<String, Object> java = new LinkedHashMap<>();
        Path output = Path.of(project.getBuild().getOutputDirectory());
        if (Files.isDirectory(output)) {
            // Maven copies resources into the output folder; split them back so that a changed class changes only the
            // classes layer and a changed resource only the resources layer.
            try {
                Path staged = stage(output, work().resolve("app"));
                if (Files.isDirectory(staged.resolve("resources"))) {
                    java.put("resources", List.of(staged.resolve("resources").toString()));
                }
                if (Files.isDirectory(staged.resolve("classes"))) {
                    java.put("classes", List.of(staged.resolve("classes").toString()));
                }
            } catch (IOException e) {
                throw new MojoExecutionException("peel: cannot read " + output + ": " + e.getMessage(), e);
            }
        }
        List<String> deps = new ArrayList<>();
        List<String> reactor = new ArrayList<>();
        List<String> timestampedSnapshots = new ArrayList<>();
        for (Artifact a : project.getArtifacts()) {
            if (a.getFile() == null || !a.getArtifactHandler().isAddedToClasspath()
                    || !(Artifact.SCOPE_COMPILE.equals(a.getScope()) || Artifact.SCOPE_RUNTIME.equals(a.getScope()))) {
                continue;
            }
            boolean inReactor = session.getProjects().stream().anyMatch(p -> p.getGroupId().equals(a.getGroupId())
                    && p.getArtifactId().equals(a.getArtifactId()));
            (inReactor ? reactor : deps).add(a.getFile().getAbsolutePath());
            if (!inReactor && a.isSnapshot() && !a.getFile().getName().contains("-SNAPSHOT")) {
                // A snapshot resolved from a remote repository is named by its timestamp (x-1.0-20240101.120000-3.jar):
                // its own layer all the same, as peel gives -SNAPSHOT jars.
                timestampedSnapshots.add(a.getFile().getName());
            }
        }
        if (!deps.isEmpty()) {
            java.put("dependencies", deps);
        }
        if (!reactor.isEmpty()) {
            java.put("project-dependencies", reactor);
        }
        String mainClass = mainClassProperty != null ? mainClassProperty : container.mainClass;
        if (mainClass != null) {
            java.put("main-class", mainClass);
        }
        List<String> flags = !jvmFlagsProperty.isEmpty() ? jvmFlagsProperty : container.jvmFlags;
        if (!flags.isEmpty()) {
            java.put("jvm-flags", flags);
        }
        List<String> args = !argsProperty.isEmpty() ? argsProperty : container.args;
        if (!args.isEmpty()) {
            java.put("args", args);
        }
        String appRoot = appRootProperty != null ? appRootProperty : container.appRoot;
        if (appRoot != null) {
            java.put("app-root", appRoot);
        }
        if (!layers.isEmpty() || !timestampedSnapshots.isEmpty()) {
            List<Object> ls = new ArrayList<>();
            for (LayerGroup g : layers) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("name", g.name);
                // Maven knows each artifact's groupId: its jars are named, so a jar without pom.properties goes along.
                List<String> files = new ArrayList<>(g.files);
                for (Artifact a : project.getArtifacts()) {
                    if (a.getFile() != null && g.groups.stream().anyMatch(glob -> dev.peel.java.JavaApp.groupMatches(glob, a.getGroupId()))
                            && !files.contains(a.getFile().getName())) {
                        files.add(a.getFile().getName());
                    }
                }
                if (!files.isEmpty()) {
                    l.put("files", files);
                }
                if (!g.groups.isEmpty()) {
                    l.put("groups", g.groups);
                }
                ls.add(l);
            }
            if (!timestampedSnapshots.isEmpty()) {
                ls.add(Map.of("name", "snapshot-dependencies", "files", timestampedSnapshots));
            }
            java.put("layers", ls);
        }
        if (runtime != null) {
            java.put("runtime", runtime);
        }
        if (javaVersion != null) {
            java.put("version", javaVersion);
        }
        if (!addModules.isEmpty()) {
            java.put("modules", addModules);
        }
        if (!permissions.isEmpty()) {
            List<Object> ps = new ArrayList<>();
            for (Permission p : permissions) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("path", p.path);
                if (p.mode != null) {
                    e.put("mode", p.mode);
                }
                if (p.owner != null) {
                    e.put("owner", p.owner);
                }
                ps.add(e);
            }
            java.put("permissions", ps);
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("base", base);
        if (archs != null && !archs.isEmpty()) {
            spec.put("archs", archs);
        } else if (!imageBase(base)) {
            // A preset lists every arch it can be built for; an application is built for the host's unless told.
            spec.put("archs", List.of(dev.peel.oci.Platform.hostDebianArch()));
        }
        String created = created();
        if (created != null) {
            spec.put("created", created);
        }
        spec.put("java", java);
        Map<String, String> environment = new LinkedHashMap<>(container.environment);
        environment.putAll(container.env);
        environment.putAll(pairs(envProperty, "peel.env"));
        if (!environment.isEmpty()) {
            spec.put("env", environment);
        }
        List<String> ports = !portsProperty.isEmpty() ? portsProperty : container.ports;
        if (!ports.isEmpty()) {
            spec.put("ports", ports);
        }
        Map<String, String> labels = new LinkedHashMap<>(container.labels);
        labels.putAll(pairs(labelsProperty, "peel.labels"));
        if (!labels.isEmpty()) {
            spec.put("labels", labels);
        }
        String workdir = workdirProperty != null ? workdirProperty : workingDirectoryProperty != null ? workingDirectoryProperty
                : container.workdir != null ? container.workdir : container.workingDirectory;
        if (workdir != null) {
            spec.put("workdir", workdir);
        }
        String user = userProperty != null ? userProperty : container.user;
        if (user != null) {
            spec.put("accounts", Map.of("run-as", user));
        }
        if (!extraFiles.isEmpty()) {
            List<Object> files = new ArrayList<>();
            for (ExtraFile f : extraFiles) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("path", f.into);
                e.put("source", f.from.getAbsolutePath());
                if (f.mode != null) {
                    e.put("mode", f.mode);
                }
                if (f.owner != null) {
                    e.put("owner", f.owner);
                }
                files.add(e);
            }
            spec.put("files", files);
        }
        try {
            Path file = work().resolve("peel.yaml");
            Files.write(file, Json.writePretty(spec));
            Spec parsed = SpecParser.parse(file, "peel configuration of " + project.getArtifactId() + " (" + file + ")");
            // The core reads the lock beside the spec: the project's own, or none (never one left from an earlier run).
            Path besideSpec = dev.peel.build.Resolution.lockPath(parsed);
            if (lockFile != null && lockFile.isFile()) {
                Files.copy(lockFile.toPath(), besideSpec, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(besideSpec);
            }
            return parsed;
        } catch (SpecException e) {
            throw new MojoFailureException("peel: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MojoExecutionException("peel: " + e.getMessage(), e);
        }
    }

    /**
     * Copies the output folder's class files to {@code to}/classes and its other files (the resources Maven copied
     * there) to {@code to}/resources, after emptying {@code to}; returns {@code to}.
     */
    static Path stage(Path output, Path to) throws IOException {
        if (Files.exists(to)) {
            try (java.util.stream.Stream<Path> s = Files.walk(to)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        List<Path> files;
        try (java.util.stream.Stream<Path> s = Files.walk(output, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String rel = output.relativize(f).toString();
            Path dest = to.resolve(rel.endsWith(".class") ? "classes" : "resources").resolve(rel);
            Files.createDirectories(dest.getParent());
            Files.copy(f, dest);
        }
        return to;
    }

    /** KEY=VALUE items of a -D property as a map, in order. */
    static Map<String, String> pairs(List<String> items, String property) throws MojoFailureException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new MojoFailureException("peel: -D" + property + ": '" + item + "' is not KEY=VALUE");
            }
            out.put(item.substring(0, eq).trim(), item.substring(eq + 1));
        }
        return out;
    }

    /** Whether {@code base} names an image (a layout, an archive or a registry reference) rather than a preset. */
    static boolean imageBase(String base) {
        if (base.startsWith("oci:") || base.startsWith("oci-archive:") || base.startsWith("docker://")) {
            return true;
        }
        int slash = base.indexOf('/');
        String first = slash < 0 ? "" : base.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost");
    }

    /** project.build.outputTimestamp as an instant (ISO-8601 or seconds), or null. */
    String created() throws MojoFailureException {
        if (outputTimestamp == null || outputTimestamp.isBlank() || outputTimestamp.length() <= 1) {
            return null;
        }
        try {
            if (outputTimestamp.matches("\\d+")) {
                return Instant.ofEpochSecond(Long.parseLong(outputTimestamp)).toString();
            }
            return java.time.OffsetDateTime.parse(outputTimestamp).toInstant().toString();
        } catch (RuntimeException e) {
            throw new MojoFailureException("peel: project.build.outputTimestamp '" + outputTimestamp
                    + "' is neither ISO-8601 nor seconds since the epoch");
        }
    }

    BuildOptions.Host host() {
        Map<String, String> env = System.getenv();
        return new BuildOptions.Host(Cache.at(cache == null ? null : cache.toPath(), env), env, Path.of("/etc/apt"),
                w -> getLog().warn("peel: " + w), Instant.now());
    }

    /** A registry client with docker's and podman's credentials; insecureRegistries may use plain HTTP. */
    dev.peel.registry.RegistryClient client() throws dev.peel.registry.RegistryException {
        java.util.Set<String> insecure = new java.util.HashSet<>(insecureRegistries);
        Map<String, String> env = System.getenv();
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        dev.peel.registry.Credentials credentials = dev.peel.registry.Credentials.fromEnvironment(env, Path.of(home));
        return new dev.peel.registry.RegistryClient(new dev.peel.registry.RegistryClient.Options(credentials::find, insecure,
                null, java.time.Duration.ofMinutes(5), 0, null, n -> getLog().info("peel: " + n)));
    }

    /**
     * Builds the spec into {@code outputs}; returns the image's digest, or null for a library module (no main class
     * found and none configured), which is skipped with a notice so that a reactor's root builds its applications.
     */
    String build(Spec spec, Outputs outputs) throws MojoExecutionException, MojoFailureException {
        BuildOptions options = new BuildOptions(OptionalLong.empty(), null, null, tags.isEmpty() ? List.of("latest") : tags,
                null, host());
        try {
            Build.Result r = new Build(spec, options).run(outputs);
            String digest = r.digest().toString();
            Files.writeString(work().resolve("image.digest"), digest + "\n");
            getLog().info("peel: built " + project.getArtifactId() + " → " + digest);
            return digest;
        } catch (SpecException e) {
            boolean configured = mainClassProperty != null || container.mainClass != null;
            if (!configured && e.getMessage().contains("no class has a public static void main")) {
                getLog().info("peel: " + project.getArtifactId() + " has no main class (a library); skipped");
                return null;
            }
            throw new MojoFailureException("peel: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new MojoExecutionException("peel: " + e.getMessage(), e);
        }
    }
}
