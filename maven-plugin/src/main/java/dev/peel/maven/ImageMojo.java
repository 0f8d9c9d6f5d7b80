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
    }

    /** A file or folder added to the image (Jib's {@code extraDirectories}), with its owner and mode. */
    public static class ExtraFile {
        File from;
        String into;
        String mode;
        String owner;
    }

    /** A dependency layer of its own: jars whose file names match the globs. */
    public static class LayerGroup {
        String name;
        List<String> files = new ArrayList<>();
    }

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    MavenSession session;

    /** The base: a preset (java17, java21-debian13, …), {@code oci:DIR[:TAG]} or a registry reference. */
    @Parameter(property = "peel.base", defaultValue = "java17")
    String base;

    /** Debian archs to build (one index for several); default amd64. */
    @Parameter(property = "peel.archs", defaultValue = "amd64")
    List<String> archs;

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

    @Parameter(defaultValue = "${project.build.outputTimestamp}")
    String outputTimestamp;

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
        Path classes = Path.of(project.getBuild().getOutputDirectory());
        if (Files.isDirectory(classes)) {
            java.put("classes", List.of(classes.toString()));
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
        if (!container.args.isEmpty()) {
            java.put("args", container.args);
        }
        if (container.appRoot != null) {
            java.put("app-root", container.appRoot);
        }
        if (!layers.isEmpty() || !timestampedSnapshots.isEmpty()) {
            List<Object> ls = new ArrayList<>();
            for (LayerGroup g : layers) {
                ls.add(Map.of("name", g.name, "files", g.files));
            }
            if (!timestampedSnapshots.isEmpty()) {
                ls.add(Map.of("name", "snapshot-dependencies", "files", timestampedSnapshots));
            }
            java.put("layers", ls);
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("base", base);
        spec.put("archs", archs);
        String created = created();
        if (created != null) {
            spec.put("created", created);
        }
        spec.put("java", java);
        if (!container.environment.isEmpty()) {
            spec.put("env", container.environment);
        }
        if (!container.ports.isEmpty()) {
            spec.put("ports", container.ports);
        }
        if (!container.labels.isEmpty()) {
            spec.put("labels", container.labels);
        }
        if (container.workingDirectory != null) {
            spec.put("workdir", container.workingDirectory);
        }
        if (container.user != null) {
            spec.put("accounts", Map.of("run-as", container.user));
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
            return SpecParser.parse(file, "peel configuration of " + project.getArtifactId() + " (" + file + ")");
        } catch (SpecException e) {
            throw new MojoFailureException("peel: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MojoExecutionException("peel: " + e.getMessage(), e);
        }
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

    /**
     * Builds the spec into {@code outputs}; returns the image's digest, or null for a library module (no main class
     * found and none configured), which is skipped with a notice so that a reactor's root builds its applications.
     */
    String build(Spec spec, Outputs outputs) throws MojoExecutionException, MojoFailureException {
        Map<String, String> env = System.getenv();
        Cache c = Cache.at(cache == null ? null : cache.toPath(), env);
        BuildOptions options = new BuildOptions(OptionalLong.empty(), null, null, tags.isEmpty() ? List.of("latest") : tags,
                null, new BuildOptions.Host(c, env, Path.of("/etc/apt"), w -> getLog().warn("peel: " + w), Instant.now()));
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
