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
import dev.peel.registry.RegistryClient;
import dev.peel.registry.RegistryException;
import dev.peel.tar.TarPaths;
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

    /** The lock the last {@link #run} built from: the spec's lock file or what it resolved; null without packages. */
    public Lock lock() {
        return usedLock;
    }

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Spec spec;
    private final BuildOptions options;
    /** The lock the last run built from (read or resolved), or null; for SBOMs of what was built. */
    private Lock usedLock;
    /** The archs this run builds: the spec's, or on an image base without archs, the base's. */
    private List<String> archs;
    /** The spec's Java application, planned (read and checked) before anything is written; null without one. */
    private dev.peel.java.JavaApp app;
    /** The runtime java.runtime: jlink links for each arch, or null (the base's JRE runs the application). */
    private JlinkRuntimes jlinks;

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
    public Result run(Outputs out) throws SpecException, BuildException, RepositoryException, Resolver.ResolveException,
            RegistryException {
        checkOutputs(out);
        BuildOptions.Host h = options.host() != null ? options.host() : BuildOptions.Host.system();
        Lock lock = readLock();
        app = spec.java() == null ? null : dev.peel.java.JavaApp.plan(spec.java(), epoch());
        if (app != null && spec.java().runtime().jlink()) {
            JlinkRuntimes.check(spec, h.env());
        }
        try (BaseImage base = openBase(lock, h)) {
            archs = base != null ? base.archsFor(spec.archs()) : spec.archs();
            BaseImage.Contents onto = base == null ? null : contents(base, archs.get(0));
            List<TarEntry> entries = FilesLayer.entries(spec, epoch(), outputPaths(out), onto);
            String runAs = runAs(base);
            Map<String, Installer.Base> bases = new LinkedHashMap<>();
            if (base != null) {
                for (String arch : archs) {
                    BaseImage.Contents c = contents(base, arch);
                    Image i = base.image(arch);
                    bases.put(arch, new Installer.Base(c.topLevelSymlinks(), i.layers(), i.digest().toString()));
                    checkSymlinks(entries, c, arch);
                }
            }
            if (lock == null && Resolution.hasPackages(spec)) {
                options.progress().phase("resolving packages");
                lock = Resolution.locked(spec, archs, h, base, options.skipUnavailableArchs());
                if (options.skipUnavailableArchs()) {
                    Lock resolved = lock;
                    archs = archs.stream().filter(a -> resolved.archs().containsKey(a)).toList();
                    for (String arch : new ArrayList<>(bases.keySet())) {
                        if (!archs.contains(arch)) {
                            bases.remove(arch);
                        }
                    }
                }
            }
            usedLock = lock;
            Map<String, Installer.ArchLayers> packages = Resolution.hasPackages(spec) ? install(lock, h, bases) : Map.of();
            for (Installer.ArchLayers a : packages.values()) {
                checkMergedUsr(entries, a);
            }
            if (app != null && spec.java().runtime().jlink()) {
                Compression c = compression();
                jlinks = JlinkRuntimes.link(spec, archs, lock, h, epoch(), c,
                        options.compressionLevel() != null ? options.compressionLevel() : c.defaultLevel(), options.progress());
            }
            return write(out, entries, packages, base, runAs);
        } catch (IOException e) {
            if (e instanceof RegistryException r) {
                throw r;
            }
            throw new BuildException(e.getMessage(), e);
        } finally {
            if (jlinks != null) {
                jlinks.close();
                jlinks = null;
            }
        }
    }

    /** Writes every output from what {@link #run} prepared; nothing before this touches an output. */
    private Result write(Outputs out, List<TarEntry> entries, Map<String, Installer.ArchLayers> packages, BaseImage base,
                         String runAs) throws SpecException, BuildException {
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
            Result r = buildInto(stage, entries, packages, base, runAs);
            if (out.ociTar() != null) {
                options.progress().phase("writing " + out.ociTar());
                Path tmp = tempBeside(out.ociTar());
                pending.add(new Path[] {tmp, out.ociTar()});
                Archives.writeOciArchive(stage, tmp, epoch());
            }
            if (out.dockerTar() != null) {
                options.progress().phase("writing " + out.dockerTar());
                Image image = r.images().stream().filter(i -> i.config().platform().matches(dockerPlatform)
                        || BaseImage.debianArch(i.config().platform()).equals(BaseImage.debianArch(dockerPlatform)))
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

    /** The lock beside the spec when there is one (a stale one is an error), else null. */
    private Lock readLock() throws SpecException, BuildException {
        Path lockFile = Resolution.lockPath(spec);
        if (!Files.isRegularFile(lockFile) || (!Resolution.hasPackages(spec) && spec.base() == null)) {
            return null;
        }
        String stale = Resolution.staleLock(spec, spec.archs());
        if (stale != null) {
            throw new SpecException(new Position(lockFile.toString(), 0, 0), stale,
                    "peel lock " + spec.displayName() + " updates it; peel build never builds other packages or another base"
                            + " than a lock says");
        }
        try {
            return Lock.parse(Files.readAllBytes(lockFile));
        } catch (IOException | IllegalArgumentException e) {
            throw new BuildException("reading " + lockFile + ": " + e.getMessage(), e);
        }
    }

    /** The spec's base, opened at the lock's digest when there is a lock, else at what its reference names now. */
    private BaseImage openBase(Lock lock, BuildOptions.Host h) throws IOException {
        if (spec.base() == null) {
            return null;
        }
        options.progress().phase("opening the base " + spec.base().written());
        RegistryClient client = options.registry() != null ? options.registry()
                : new RegistryClient(RegistryClient.Options.defaults());
        return BaseImage.open(spec.base(), lock == null ? null : lock.base(), client, h.cache());
    }

    private static BaseImage.Contents contents(BaseImage base, String arch) throws IOException {
        try {
            return base.contents(arch);
        } catch (IOException e) {
            if (e instanceof RegistryException) {
                throw e;
            }
            throw new IOException("reading the base " + base.spec().written() + " for " + arch + ": " + e.getMessage(), e);
        }
    }

    /**
     * The config's User: the spec's run-as, where a name the spec does not declare is looked up in the base's
     * /etc/passwd (on every arch: they must agree); else null (the base's user stays).
     */
    private String runAs(BaseImage base) throws SpecException, IOException {
        String r = spec.accounts().runAs();
        if (r == null || r.matches("[0-9]+(:[0-9]+)?") || base == null) {
            return r;
        }
        String uid = null;
        for (String arch : archs) {
            String passwd = base.contents(arch).passwd();
            String found = null;
            for (String line : passwd == null ? new String[0] : passwd.split("\n")) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && f[0].equals(r) && f[2].matches("[0-9]+")) {
                    found = f[2];
                    break;
                }
            }
            if (found == null || (uid != null && !uid.equals(found))) {
                throw new SpecException(spec.accounts().at(), "run-as '" + r + "' is neither declared under accounts.users nor"
                        + (found == null ? " a user of the base's /etc/passwd (" + arch + ")" : " the same uid on every arch of the base"),
                        "declare it under accounts.users or write a number such as 65532");
            }
            uid = found;
        }
        return uid;
    }

    /** The spec's packages as layers per arch, from the lock (read, or resolved now). */
    private Map<String, Installer.ArchLayers> install(Lock lock, BuildOptions.Host h, Map<String, Installer.Base> bases)
            throws BuildException, RepositoryException {
        Compression c = compression();
        int level = options.compressionLevel() != null ? options.compressionLevel() : c.defaultLevel();
        try (Installer in = new Installer(h.cache(), new Installer.Options(epoch(), c, level, spec.layeringBudget(),
                new dev.peel.install.PathFilter(spec.debian().pathExclude(), spec.debian().pathInclude()), spec.generate()),
                options.progress())) {
            return in.install(lock, archs, bases);
        } catch (Installer.InstallException e) {
            throw new BuildException(e.getMessage(), e);
        } catch (IOException e) {
            throw new BuildException("installing packages: " + e.getMessage(), e);
        }
    }

    /** Where the spec names a file, for errors about a path of the files layer. */
    private Position positionOf(String path) {
        for (Spec.FileSpec f : spec.files()) {
            if (f.path().equals(path) || f.path().startsWith(path + "/")) {
                return f.at();
            }
        }
        return spec.accounts().at() != null ? spec.accounts().at() : new Position(spec.displayName(), 0, 0);
    }

    /**
     * The spec's own files must not go through a symlink of the base (a layer's directory would replace the link:
     * /bin → usr/bin, /var/run → /run), nor replace one of its merged-/usr links.
     */
    private void checkSymlinks(List<TarEntry> entries, BaseImage.Contents c, String arch) throws SpecException {
        for (TarEntry e : entries) {
            String link = c.symlinkAbove(e.path());
            boolean replaces = e.type() == TarEntry.Type.DIRECTORY && c.symlinks().containsKey(e.path());
            if (link == null && !replaces) {
                continue;
            }
            String l = link != null ? link : e.path();
            String target = c.symlinks().get(l);
            String real = target.startsWith("/") ? TarPaths.normalize(target) : TarPaths.normalize(
                    (l.contains("/") ? l.substring(0, l.lastIndexOf('/') + 1) : "") + target);
            throw new SpecException(positionOf(e.path()), "/" + e.path() + " would replace the symlink /" + l + " → " + target
                    + " of the base " + spec.base().written() + " (" + arch + ") with a directory",
                    real == null ? "write the path where the link points" : "write the path under /" + real + " instead");
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

    /**
     * The same images with layers read from {@code to}, where they now are: those written in {@code from}, and the
     * base's (copied into the layout, their descriptors kept).
     */
    private List<Image> relocated(List<Image> images, Path from, Path to) {
        List<Image> out = new ArrayList<>();
        for (Image i : images) {
            List<Layer> layers = new ArrayList<>();
            for (Layer l : i.layers()) {
                if (l instanceof BlobLayer b && b.file().startsWith(from)) {
                    layers.add(new BlobLayer(to.resolve(from.relativize(b.file())), b.digest(), b.diffId(), b.size(), b.mediaType()));
                } else if (l instanceof BaseImage.BaseLayer b) {
                    Path blob = to.resolve("blobs").resolve(b.digest().algorithm()).resolve(b.digest().hex());
                    layers.add(new BaseImage.BaseLayer(new BlobLayer(blob, b.digest(), b.diffId(), b.size(), b.mediaType()),
                            b.descriptor(), null));
                } else {
                    layers.add(l);
                }
            }
            out.add(new BuiltImage(i.config(), layers, i.manifest().annotations()));
        }
        return out;
    }

    /** Builds the image(s) from collected entries into an empty layout directory. */
    Result buildInto(Path layoutDir, List<TarEntry> entries) throws IOException {
        return buildInto(layoutDir, entries, Map.of(), null, spec.accounts().runAs());
    }

    /**
     * Builds the image(s) into an empty layout directory: per arch, the base's layers as they are, then the package
     * layers, then the spec's files; the config the base's with the spec's settings over it.
     */
    Result buildInto(Path layoutDir, List<TarEntry> entries, Map<String, Installer.ArchLayers> packages, BaseImage base,
                     String runAs) throws IOException {
        long epoch = epoch();
        Compression compression = compression();
        int level = options.compressionLevel() != null ? options.compressionLevel() : compression.defaultLevel();
        List<String> archs = this.archs != null ? this.archs : spec.archs();

        // The application's layers are written once: every platform's image holds the same blobs.
        List<Layer> appLayers = new ArrayList<>();
        List<String> appComments = new ArrayList<>();
        if (app != null) {
            for (dev.peel.java.JavaApp.AppLayer l : app.layers()) {
                options.progress().phase("layer: java " + l.name() + " (" + l.entries().size() + " entries)");
                options.progress().total(l.entries().stream().mapToLong(e -> e.size() + 512).sum());
                appLayers.add(new LayerWriter(compression, level).write(l.entries(), layoutDir.resolve("blobs").resolve("sha256"),
                        options.progress()::advanced));
                appComments.add("java: " + l.name());
            }
        }
        List<Layer> layers = new ArrayList<>();
        if (!entries.isEmpty()) {
            options.progress().phase("layer: files (" + entries.size() + " entries)");
            options.progress().total(entries.stream().mapToLong(e -> e.size() + 512).sum());
            BlobLayer files = new LayerWriter(compression, level).write(entries, layoutDir.resolve("blobs").resolve("sha256"),
                    options.progress()::advanced);
            layers.add(files);
        }

        String created = Instant.ofEpochSecond(epoch).toString();
        Map<String, String> annotations = new java.util.TreeMap<>(spec.annotations());
        if (base != null) {
            annotations.putAll(base.annotations());
        }
        List<Image> images = new ArrayList<>();
        List<Layer> baseLayers = new ArrayList<>();
        for (String arch : archs) {
            Platform p = Platform.ofDebianArch(arch).orElseThrow();
            List<ImageConfig.History> history = new ArrayList<>();
            List<Digest> diffIds = new ArrayList<>();
            List<Layer> all = new ArrayList<>();
            ImageConfig.Container from = null;
            if (base != null) {
                Image b = base.image(arch);
                ImageConfig bc = b.config();
                p = bc.platform();
                from = bc.config();
                all.addAll(b.layers());
                baseLayers.addAll(b.layers());
                diffIds.addAll(bc.diffIds());
                history.addAll(bc.history());
                if (bc.history().isEmpty()) {
                    // Without history, tools that pair entries with layers would give ours to the base's layers.
                    for (int n = 0; n < b.layers().size(); n++) {
                        history.add(new ImageConfig.History(null, null, "layer of the base " + base.spec().written(), false));
                    }
                }
            }
            Installer.ArchLayers installed = packages.get(arch);
            if (installed != null) {
                for (Installer.InstalledLayer l : installed.layers()) {
                    all.add(l.layer());
                    diffIds.add(l.layer().diffId());
                    history.add(new ImageConfig.History(created, "peel", l.comment(), false));
                }
            }
            JlinkRuntimes.Runtime runtime = jlinks == null ? null : jlinks.of(arch);
            if (runtime != null) {
                // Per arch (its native files), below the application's layers, which change more often.
                Layer l = runtime.layer();
                all.add(l);
                diffIds.add(l.diffId());
                history.add(new ImageConfig.History(created, "peel", "java: runtime (jlink " + String.join(",", runtime.modules())
                        + " from " + runtime.jdk().name() + " " + runtime.jdk().version() + ")", false));
            }
            for (int n = 0; n < appLayers.size(); n++) {
                all.add(appLayers.get(n));
                diffIds.add(appLayers.get(n).diffId());
                history.add(new ImageConfig.History(created, "peel", appComments.get(n), false));
            }
            for (Layer l : layers) {
                all.add(l);
                diffIds.add(l.diffId());
                history.add(new ImageConfig.History(created, "peel", "files and accounts from the spec", false));
            }
            ImageConfig config = new ImageConfig(created, p.os(), p.architecture(), p.variant(),
                    container(from, runAs, arch), diffIds, history);
            images.add(new BuiltImage(config, all, annotations));
        }

        options.progress().phase("writing layout");
        LayoutWriter w = new LayoutWriter(layoutDir);
        if (!baseLayers.isEmpty()) {
            // A registry base's layers not yet in the cache are fetched here, several at once, each verified.
            w.writeLayers(baseLayers, Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors())));
        }
        Descriptor top = images.size() == 1 ? w.write(images.get(0), options.tags())
                : w.write(new BuiltIndex(images, annotations), options.tags());
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

    /**
     * The run configuration: the base's ({@code from}, null for none) with the spec's settings over it — env by
     * key, ports and labels added, user, workdir, entrypoint and cmd replaced where given; as docker does, an
     * entrypoint the spec gives drops the base's cmd unless the spec gives cmd too. PATH defaults to the usual
     * one when neither names it. What peel does not model (Healthcheck, Shell, OnBuild, …) stays the base's.
     */
    private ImageConfig.Container container(ImageConfig.Container from, String runAs, String arch) throws IOException {
        Map<String, String> vars = new LinkedHashMap<>();
        List<String> unnamed = new ArrayList<>();
        if (from != null) {
            for (String e : from.env()) {
                int eq = e.indexOf('=');
                if (eq > 0) {
                    vars.put(e.substring(0, eq), e.substring(eq + 1));
                } else {
                    unnamed.add(e);
                }
            }
        }
        if (!spec.env().containsKey("PATH") && !vars.containsKey("PATH")) {
            vars.put("PATH", DEFAULT_PATH);
        }
        for (Map.Entry<String, String> e : spec.env().entrySet()) {
            vars.put(e.getKey(), expandVersions(e.getKey(), e.getValue(), arch));
        }
        if (jlinks != null && !vars.containsKey("JAVA_HOME")) {
            vars.put("JAVA_HOME", dev.peel.java.Jlink.HOME);
        }
        List<String> env = new ArrayList<>(unnamed);
        vars.forEach((k, v) -> env.add(k + "=" + v));
        java.util.TreeSet<String> ports = new java.util.TreeSet<>(spec.ports());
        java.util.TreeMap<String, String> labels = new java.util.TreeMap<>();
        List<String> entrypoint = spec.entrypoint();
        List<String> cmd = spec.cmd();
        if (app != null) {
            // The application's command, unless the spec's own entrypoint wins; never a shell.
            if (entrypoint == null) {
                entrypoint = app.entrypoint();
            }
            if (cmd == null && !app.args().isEmpty()) {
                cmd = app.args();
            }
        }
        String user = runAs;
        String workdir = spec.workdir();
        String stopSignal = null;
        java.util.SortedSet<String> volumes = null;
        java.util.SortedMap<String, Object> others = null;
        if (from != null) {
            others = from.others();
            ports.addAll(from.exposedPorts());
            labels.putAll(from.labels());
            if (entrypoint == null) {
                entrypoint = from.entrypoint();
                if (cmd == null) {
                    cmd = from.cmd();
                }
            }
            user = user != null ? user : from.user();
            workdir = workdir != null ? workdir : from.workingDir();
            stopSignal = from.stopSignal();
            volumes = from.volumes();
        }
        labels.putAll(spec.labels());
        return new ImageConfig.Container(user, ports, env, entrypoint, cmd, workdir, labels, stopSignal, volumes, others);
    }

    private static final java.util.regex.Pattern VERSION_REF = java.util.regex.Pattern.compile(
            "\\$\\{version:([a-z0-9][a-z0-9.+-]*)\\}");

    /**
     * An env value with each {@code ${version:PKG}} replaced by the release version of the Debian package PKG as
     * this arch installs it: its upstream version without epoch, Debian revision, or anything from the first
     * {@code +} or {@code ~} ({@code 17.0.18+8-1~deb12u1} → {@code 17.0.18}), as distroless's JAVA_VERSION. The
     * version comes from the lock, so the value is as reproducible as the rest of the image.
     */
    private String expandVersions(String key, String value, String arch) throws IOException {
        java.util.regex.Matcher m = VERSION_REF.matcher(value);
        if (!m.find()) {
            return value;
        }
        StringBuilder sb = new StringBuilder();
        m.reset();
        while (m.find()) {
            String pkg = m.group(1);
            String version = usedLock == null ? null : usedLock.archs().getOrDefault(arch, List.of()).stream()
                    .filter(lp -> lp.name().equals(pkg)).map(Lock.LockedPackage::version).findFirst().orElse(null);
            if (version == null) {
                throw new IOException("env " + key + " asks for ${version:" + pkg + "}, but " + pkg
                        + " is not among the packages installed for " + arch);
            }
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(releaseVersion(version)));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** {@code [epoch:]upstream[-revision]} → upstream up to the first '+' or '~'. */
    static String releaseVersion(String debianVersion) {
        String v = debianVersion.substring(debianVersion.indexOf(':') + 1);
        int dash = v.lastIndexOf('-');
        if (dash > 0) {
            v = v.substring(0, dash);
        }
        for (char c : new char[] {'+', '~'}) {
            int i = v.indexOf(c);
            if (i > 0) {
                v = v.substring(0, i);
            }
        }
        return v;
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
        List<Platform> built = (archs != null ? archs : spec.archs()).stream().map(a -> Platform.ofDebianArch(a).orElseThrow())
                .toList();
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
