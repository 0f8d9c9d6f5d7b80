package dev.peel.build;

import dev.peel.image.BlobLayer;
import dev.peel.image.BuiltImage;
import dev.peel.image.BuiltIndex;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.image.LayerWriter;
import dev.peel.layout.Archives;
import dev.peel.layout.LayoutWriter;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.Platform;
import dev.peel.spec.Position;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.tar.Compression;
import dev.peel.tar.TarEntry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one place that knows the order: spec → layers → images → index → outputs. Everything is written
 * aside and moved into place only when all of it succeeded, so a failed build leaves earlier outputs as
 * they were.
 */
public final class Build {
    /** What was built: the top descriptor (a manifest for one arch, an index for several) and its images. */
    public record Result(Descriptor top, List<Image> images, List<Path> written) {
        public Digest digest() {
            return top.digest();
        }
    }

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Spec spec;
    private final BuildOptions options;

    public Build(Spec spec, BuildOptions options) {
        this.spec = spec;
        this.options = options;
    }

    /** The mtime of every entry and the config's {@code created}: the spec's, SOURCE_DATE_EPOCH, or 1970. */
    public long epoch() {
        if (spec.created() != null) {
            return spec.created().getEpochSecond();
        }
        return options.sourceDateEpoch().orElse(0L);
    }

    public Result run(Outputs out) throws SpecException, BuildException {
        checkOutputs(out);
        Path stage = null;
        List<Path[]> pending = new ArrayList<>();
        try {
            Path anchor = out.layoutDir() != null ? out.layoutDir() : out.ociTar() != null ? out.ociTar() : out.dockerTar();
            Path parent = anchor.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            stage = Files.createTempDirectory(parent, "." + anchor.getFileName() + ".peel-");
            Result r = buildInto(stage);
            if (out.ociTar() != null) {
                options.progress().phase("writing " + out.ociTar());
                Path tmp = tempBeside(out.ociTar());
                pending.add(new Path[] {tmp, out.ociTar()});
                Archives.writeOciArchive(stage, tmp, epoch());
            }
            if (out.dockerTar() != null) {
                options.progress().phase("writing " + out.dockerTar());
                Image image = pick(r.images(), out.dockerPlatform());
                Path tmp = tempBeside(out.dockerTar());
                pending.add(new Path[] {tmp, out.dockerTar()});
                Archives.writeDockerArchive(image, repoTags(), tmp, epoch());
            }
            List<Path> written = new ArrayList<>();
            for (Path[] p : pending) {
                publish(p[0], p[1]);
                written.add(p[1]);
            }
            pending.clear();
            if (out.layoutDir() != null) {
                replaceDirectory(stage, out.layoutDir());
                stage = null;
                written.add(0, out.layoutDir());
            }
            return new Result(r.top(), r.images(), written);
        } catch (IOException e) {
            throw new BuildException("writing output: " + e.getMessage(), e);
        } finally {
            for (Path[] p : pending) {
                deleteQuietly(p[0]);
            }
            if (stage != null) {
                deleteQuietly(stage);
            }
        }
    }

    /** Builds the image(s) into an empty layout directory. */
    Result buildInto(Path layoutDir) throws SpecException, BuildException, IOException {
        long epoch = epoch();
        options.progress().phase("collecting files");
        List<TarEntry> entries = FilesLayer.entries(spec, epoch);
        Compression compression = options.compression() != null ? options.compression()
                : spec.compression() != null ? spec.compression() : Compression.GZIP;
        int level = options.compressionLevel() != null ? options.compressionLevel() : compression.defaultLevel();

        List<Layer> layers = new ArrayList<>();
        if (!entries.isEmpty()) {
            options.progress().phase("layer: files (" + entries.size() + " entries)");
            options.progress().total(entries.stream().mapToLong(e -> e.size() + 512).sum());
            BlobLayer files = new LayerWriter(compression, level).write(entries, layoutDir.resolve("blobs").resolve("sha256"),
                    options.progress()::advanced);
            layers.add(files);
        }

        String created = Instant.ofEpochSecond(epoch).toString();
        List<Image> images = new ArrayList<>();
        for (String arch : spec.archs()) {
            Platform p = Platform.ofDebianArch(arch).orElseThrow();
            List<ImageConfig.History> history = new ArrayList<>();
            List<Digest> diffIds = new ArrayList<>();
            for (Layer l : layers) {
                diffIds.add(l.diffId());
                history.add(new ImageConfig.History(created, "peel", "files and accounts from the spec", false));
            }
            ImageConfig config = new ImageConfig(created, p.os(), p.architecture(), p.variant(), container(),
                    diffIds, history);
            images.add(new BuiltImage(config, layers, spec.annotations()));
        }

        options.progress().phase("writing layout");
        LayoutWriter w = new LayoutWriter(layoutDir);
        Descriptor top = images.size() == 1 ? w.write(images.get(0), options.tags())
                : w.write(new BuiltIndex(images, spec.annotations()), options.tags());
        return new Result(top, images, List.of());
    }

    private ImageConfig.Container container() {
        List<String> env = new ArrayList<>();
        Map<String, String> vars = new LinkedHashMap<>();
        if (!spec.env().containsKey("PATH")) {
            vars.put("PATH", DEFAULT_PATH);
        }
        vars.putAll(spec.env());
        vars.forEach((k, v) -> env.add(k + "=" + v));
        return new ImageConfig.Container(spec.accounts().runAs(), new java.util.TreeSet<>(spec.ports()), env,
                spec.entrypoint(), spec.cmd(), spec.workdir(), spec.labels(), null, null);
    }

    /** Docker needs full references: a tag alone is taken as a tag of the spec's name. */
    List<String> repoTags() {
        String name = spec.file().getFileName().toString().replaceFirst("\\.(ya?ml)$", "")
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        if (name.isEmpty() || !Character.isLetterOrDigit(name.charAt(0))) {
            name = "peel-image";
        }
        List<String> out = new ArrayList<>();
        for (String t : options.tags()) {
            int slash = t.lastIndexOf('/');
            int colon = t.lastIndexOf(':');
            if (colon > slash) {
                out.add(t);
            } else if (slash >= 0) {
                out.add(t + ":latest");
            } else {
                out.add(name + ":" + t);
            }
        }
        return out;
    }

    private Image pick(List<Image> images, Platform wanted) throws SpecException {
        if (images.size() == 1 && wanted == null) {
            return images.get(0);
        }
        Platform w = wanted;
        if (w == null) {
            w = Platform.ofDebianArch(Platform.hostDebianArch()).orElse(null);
        }
        for (Image i : images) {
            if (w != null && i.config().platform().matches(w)) {
                return i;
            }
        }
        List<String> have = images.stream().map(i -> i.config().platform().toString()).toList();
        throw new SpecException(new Position(spec.displayName(), 0, 0), "--docker-tar holds one platform and "
                + (wanted == null ? "the host's is not built" : wanted + " is not built") + "; built: " + String.join(", ", have),
                "choose one with --platform " + have.get(0));
    }

    private void checkOutputs(Outputs out) throws SpecException {
        if (out.layoutDir() != null && Files.exists(out.layoutDir())) {
            if (!Files.isDirectory(out.layoutDir())) {
                throw new SpecException(new Position(out.layoutDir().toString(), 0, 0),
                        "the output exists and is not a directory", "choose another -o");
            }
            if (!isEmptyDir(out.layoutDir()) && !Files.isRegularFile(out.layoutDir().resolve("oci-layout"))) {
                throw new SpecException(new Position(out.layoutDir().toString(), 0, 0),
                        "the output directory holds files and is not an OCI layout; peel will not replace it",
                        "choose an empty or new directory for -o");
            }
        }
        for (Path p : new Path[] {out.ociTar(), out.dockerTar()}) {
            if (p != null && Files.isDirectory(p)) {
                throw new SpecException(new Position(p.toString(), 0, 0), "the output is a directory, not a file",
                        "give a file name such as image.tar");
            }
        }
        if (out.dockerTar() != null && out.dockerPlatform() != null) {
            boolean found = false;
            for (String a : spec.archs()) {
                found |= Platform.ofDebianArch(a).orElseThrow().matches(out.dockerPlatform());
            }
            if (!found) {
                throw new SpecException(new Position(spec.displayName(), 0, 0), "--platform " + out.dockerPlatform()
                        + " is not among the spec's archs " + spec.archs());
            }
        }
    }

    private static boolean isEmptyDir(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    private static Path tempBeside(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return Files.createTempFile(parent, "." + target.getFileName() + ".peel-", ".tmp");
    }

    private static void publish(Path tmp, Path target) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system.
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Moves the staged layout into place. An existing layout is first renamed aside and removed only after
     * the new one is in place, so at every moment one complete layout exists under one of the two names.
     */
    private static void replaceDirectory(Path stage, Path target) throws IOException {
        try {
            Files.setPosixFilePermissions(stage, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system.
        }
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".peel-old-" + System.nanoTime());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        if (old != null) {
            deleteQuietly(old);
        }
    }

    static void deleteQuietly(Path p) {
        try {
            if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Best effort: a leftover temp directory is harmless and named as such.
        }
    }
}
