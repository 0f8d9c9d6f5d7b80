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
import dev.peel.debian.Lock;
import dev.peel.debian.RepositoryException;
import dev.peel.debian.Resolver;
import dev.peel.install.Installer;
import dev.peel.spec.Position;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.tar.Compression;
import dev.peel.tar.TarEntry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
    /**
     * What was built: the top descriptor (a manifest for one arch, an index for several) and its images, whose
     * layers read from the output layout (or the cache); with only tar outputs, the spec's own layer is gone.
     */
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

    /**
     * Builds and writes every output. All checks that can fail on the spec (sources, duplicate paths, the
     * docker-archive's platform) run before anything is written; outputs are made aside and moved into place
     * together at the end, the old ones restored if a move fails.
     */
    public Result run(Outputs out) throws SpecException, BuildException, RepositoryException, Resolver.ResolveException {
        checkOutputs(out);
        List<TarEntry> entries = FilesLayer.entries(spec, epoch(), outputPaths(out));
        Map<String, Installer.ArchLayers> packages = spec.debian() != null && !spec.debian().packages().isEmpty()
                ? install() : Map.of();
        for (Installer.ArchLayers a : packages.values()) {
            checkMergedUsr(entries, a);
        }
        Platform dockerPlatform = out.dockerTar() == null ? null : dockerPlatform(out.dockerPlatform());
        List<String> repoTags = out.dockerTar() == null ? List.of() : repoTags();
        Path stage = null;
        Path stageDir = null;
        List<Path[]> pending = new ArrayList<>();
        try {
            Path anchor = out.layoutDir() != null ? out.layoutDir() : out.ociTar() != null ? out.ociTar() : out.dockerTar();
            Path parent = anchor.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            for (Path o : new Path[] {out.layoutDir(), out.ociTar(), out.dockerTar()}) {
                if (o != null) {
                    Temporaries.sweep(o);
                }
            }
            stage = Temporaries.register(Files.createTempDirectory(parent, Temporaries.prefix(anchor)));
            stageDir = stage;
            Result r = buildInto(stage, entries, packages);
            if (out.ociTar() != null) {
                options.progress().phase("writing " + out.ociTar());
                Path tmp = tempBeside(out.ociTar());
                pending.add(new Path[] {tmp, out.ociTar()});
                Archives.writeOciArchive(stage, tmp, epoch());
            }
            if (out.dockerTar() != null) {
                options.progress().phase("writing " + out.dockerTar());
                Image image = r.images().stream().filter(i -> i.config().platform().matches(dockerPlatform))
                        .findFirst().orElseThrow();
                Path tmp = tempBeside(out.dockerTar());
                pending.add(new Path[] {tmp, out.dockerTar()});
                Archives.writeDockerArchive(image, repoTags, tmp, epoch());
            }
            if (out.layoutDir() != null) {
                pending.add(0, new Path[] {stage, out.layoutDir()});
            }
            commit(pending);
            stage = null;
            pending.clear();
            List<Path> written = new ArrayList<>();
            for (Path p : new Path[] {out.layoutDir(), out.ociTar(), out.dockerTar()}) {
                if (p != null) {
                    written.add(p);
                }
            }
            List<Image> images = out.layoutDir() == null ? r.images() : relocated(r.images(), stageDir, out.layoutDir());
            return new Result(r.top(), images, written);
        } catch (IOException e) {
            throw new BuildException("writing output: " + e.getMessage(), e);
        } finally {
            for (Path[] p : pending) {
                Temporaries.delete(p[0]);
            }
            if (stage != null) {
                Temporaries.delete(stage);
            }
        }
    }

    /** The spec's packages as layers per arch: from its lock when there is one, else resolved now. */
    private Map<String, Installer.ArchLayers> install() throws SpecException, BuildException, RepositoryException,
            Resolver.ResolveException {
        BuildOptions.Host h = options.host() != null ? options.host() : BuildOptions.Host.system();
        Path lockFile = Resolution.lockPath(spec);
        Lock lock;
        try {
            if (Files.isRegularFile(lockFile)) {
                String stale = Resolution.staleLock(spec, spec.archs());
                if (stale != null) {
                    throw new SpecException(new Position(lockFile.toString(), 0, 0), stale,
                            "peel lock " + spec.displayName() + " updates it; peel build never builds other packages than a lock says");
                }
                lock = Lock.parse(Files.readAllBytes(lockFile));
            } else {
                options.progress().phase("resolving packages");
                lock = Resolution.locked(spec, spec.archs(), h.env(), h.etcApt(), h.warnings(), h.now(), h.cache());
            }
        } catch (IOException e) {
            throw new BuildException("reading " + lockFile + ": " + e.getMessage(), e);
        }
        Compression c = compression();
        int level = options.compressionLevel() != null ? options.compressionLevel() : c.defaultLevel();
        try (Installer in = new Installer(h.cache(), new Installer.Options(epoch(), c, level, spec.layeringBudget(),
                new dev.peel.install.PathFilter(spec.debian().pathExclude(), spec.debian().pathInclude()), spec.generate()),
                options.progress())) {
            return in.install(lock, spec.archs());
        } catch (Installer.InstallException e) {
            throw new BuildException(e.getMessage(), e);
        } catch (IOException e) {
            throw new BuildException("installing packages: " + e.getMessage(), e);
        }
    }

    /** The spec's own files must not replace a merged-/usr symlink (/bin → usr/bin) of the packages. */
    private void checkMergedUsr(List<TarEntry> entries, Installer.ArchLayers a) throws SpecException {
        for (TarEntry e : entries) {
            String alias = a.usr().aliasOf(e.path());
            if (alias == null) {
                continue;
            }
            Position at = new Position(spec.displayName(), 0, 0);
            for (Spec.FileSpec f : spec.files()) {
                if (f.path().equals(e.path()) || f.path().startsWith(e.path() + "/")) {
                    at = f.at();
                    break;
                }
            }
            throw new SpecException(at, "/" + e.path() + " would replace the symlink /" + alias + " → "
                    + a.usr().rewrite(alias) + " that base-files ships (merged /usr) for " + a.arch(),
                    "write the path under /" + a.usr().rewrite(alias) + " instead");
        }
    }

    /** The same images with layers that were written in {@code from} read from {@code to}, where they now are. */
    private List<Image> relocated(List<Image> images, Path from, Path to) {
        List<Image> out = new ArrayList<>();
        for (Image i : images) {
            List<Layer> layers = new ArrayList<>();
            for (Layer l : i.layers()) {
                layers.add(l instanceof BlobLayer b && b.file().startsWith(from)
                        ? new BlobLayer(to.resolve(from.relativize(b.file())), b.digest(), b.diffId(), b.size(), b.mediaType()) : l);
            }
            out.add(new BuiltImage(i.config(), layers, spec.annotations()));
        }
        return out;
    }

    /** Builds the image(s) from collected entries into an empty layout directory. */
    Result buildInto(Path layoutDir, List<TarEntry> entries) throws IOException {
        return buildInto(layoutDir, entries, Map.of());
    }

    /** Builds the image(s), package layers below the spec's files, into an empty layout directory. */
    Result buildInto(Path layoutDir, List<TarEntry> entries, Map<String, Installer.ArchLayers> packages) throws IOException {
        long epoch = epoch();
        Compression compression = compression();
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
            List<Layer> all = new ArrayList<>();
            Installer.ArchLayers installed = packages.get(arch);
            if (installed != null) {
                for (Installer.InstalledLayer l : installed.layers()) {
                    all.add(l.layer());
                    diffIds.add(l.layer().diffId());
                    history.add(new ImageConfig.History(created, "peel", l.comment(), false));
                }
            }
            for (Layer l : layers) {
                all.add(l);
                diffIds.add(l.diffId());
                history.add(new ImageConfig.History(created, "peel", "files and accounts from the spec", false));
            }
            ImageConfig config = new ImageConfig(created, p.os(), p.architecture(), p.variant(), container(),
                    diffIds, history);
            images.add(new BuiltImage(config, all, spec.annotations()));
        }

        options.progress().phase("writing layout");
        LayoutWriter w = new LayoutWriter(layoutDir);
        Descriptor top = images.size() == 1 ? w.write(images.get(0), options.tags())
                : w.write(new BuiltIndex(images, spec.annotations()), options.tags());
        return new Result(top, images, List.of());
    }

    /** The compression in force: the options', else the spec's, else gzip. */
    public Compression compression() {
        return options.compression() != null ? options.compression()
                : spec.compression() != null ? spec.compression() : Compression.GZIP;
    }

    /** Output paths a source tree must not copy (an output inside a source folder). */
    private static java.util.Set<Path> outputPaths(Outputs out) {
        java.util.Set<Path> s = new java.util.HashSet<>();
        for (Path p : new Path[] {out.layoutDir(), out.ociTar(), out.dockerTar()}) {
            if (p != null) {
                s.add(p.toAbsolutePath().normalize());
            }
        }
        return s;
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

    private static final java.util.regex.Pattern DOCKER_REF = java.util.regex.Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?"
                    + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
                    + ":[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    /**
     * Docker needs full references: a bare tag is a tag of the spec's name (its file name, made a valid
     * repository name); a reference with ':' or '/' is kept. Each must be one docker accepts.
     */
    List<String> repoTags() throws SpecException {
        String name = spec.file().getFileName().toString().replaceFirst("\\.(ya?ml)$", "")
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (name.isEmpty()) {
            name = "peel-image";
        }
        List<String> out = new ArrayList<>();
        for (String t : options.tags()) {
            int slash = t.lastIndexOf('/');
            int colon = t.lastIndexOf(':');
            String ref = colon > slash ? t : slash >= 0 ? t + ":latest" : name + ":" + t;
            if (!DOCKER_REF.matcher(ref).matches()) {
                throw new SpecException(new Position(spec.displayName(), 0, 0), "--tag " + t + " gives '" + ref
                        + "', which docker does not accept as an image name",
                        "use lower-case names such as app:1.0 or registry.example/team/app:1.0");
            }
            out.add(ref);
        }
        return out;
    }

    /** The one platform a docker-archive holds: the one asked for, else the only one, else the host's. */
    private Platform dockerPlatform(Platform wanted) throws SpecException {
        List<Platform> built = spec.archs().stream().map(a -> Platform.ofDebianArch(a).orElseThrow()).toList();
        if (wanted == null && built.size() == 1) {
            return built.get(0);
        }
        Platform w = wanted != null ? wanted : Platform.ofDebianArch(Platform.hostDebianArch()).orElse(null);
        for (Platform p : built) {
            if (w != null && p.matches(w)) {
                return p;
            }
        }
        List<String> have = built.stream().map(Platform::toString).toList();
        throw new SpecException(new Position(spec.displayName(), 0, 0), "--docker-tar holds one platform and "
                + (wanted == null ? "the host's is not built" : wanted + " is not built") + "; the spec builds "
                + String.join(", ", have), "choose one with --platform " + have.get(0));
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
        return Temporaries.register(Files.createTempFile(parent, Temporaries.prefix(target), ".tmp"));
    }

    /**
     * Moves every staged output to its target. An existing target is first renamed aside; if any move fails,
     * the moves done so far are undone and the old outputs put back. The asides are removed only at the end,
     * so at every moment each output exists complete under its name or its aside name.
     */
    static void commit(List<Path[]> moves) throws IOException {
        List<Path[]> done = new ArrayList<>();
        try {
            for (Path[] m : moves) {
                Path staged = m[0];
                Path target = m[1];
                Path aside = null;
                if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    aside = target.resolveSibling("." + target.getFileName() + ".peel-old-" + System.nanoTime());
                    Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
                }
                done.add(new Path[] {target, aside});
                if (Files.isDirectory(staged)) {
                    try {
                        Files.setPosixFilePermissions(staged, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                    } catch (UnsupportedOperationException e) {
                        // Not a POSIX file system.
                    }
                    Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    LayoutWriter.publish(staged, target);
                }
                Temporaries.forget(staged);
            }
        } catch (IOException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                Path target = done.get(i)[0];
                Path aside = done.get(i)[1];
                try {
                    Temporaries.delete(target);
                    if (aside != null) {
                        Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
                    }
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        for (Path[] d : done) {
            if (d[1] != null) {
                Temporaries.delete(d[1]);
            }
        }
    }
}
