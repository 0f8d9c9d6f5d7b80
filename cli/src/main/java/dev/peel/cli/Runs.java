package dev.peel.cli;

import dev.peel.build.Endpoint;
import dev.peel.build.Transfer;
import dev.peel.cache.Cache;
import dev.peel.image.Image;
import dev.peel.oci.Platform;
import dev.peel.run.Container;
import dev.peel.run.Rootfs;
import dev.peel.run.Sandbox;
import dev.peel.run.Unpacker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** What run and debug share: the flags, opening and unpacking the image, starting the sandbox, forwarding signals. */
final class Runs {
    /** Before the command starts: peel could not run it (docker's code for the same). */
    static final int CANNOT_RUN = 125;
    static final int NOT_EXECUTABLE = 126;
    static final int NOT_FOUND = 127;

    static final String HELP = """

            Exit codes:
              the command's own exit status once it has started (128+N when a
              signal N ended it); before that:
              2    bad flags or arguments
              125  peel could not run it: the image is unreadable, a layer was
                   refused (names the layer and entry), the sandbox is not
                   available here (bubblewrap missing, user namespaces off,
                   another arch without a binfmt_misc handler)
              126  the command is not executable in the image
              127  the command is not in the image
            """;

    /** The flags run and debug both take. */
    static class Flags {
        @Option(names = "--platform", paramLabel = "PLATFORM",
                description = "The platform to run from an index (os/arch[/variant] or a Debian arch); default: this machine's.")
        String platform;

        @Option(names = "--network", paramLabel = "host|none", defaultValue = "host",
                description = "host (default): the host's network; none: a loopback of its own.")
        String network;

        @Option(names = {"-v", "--volume"}, paramLabel = "HOST:CTR[:ro]", description = "Bind a host file or folder into the container.")
        List<String> volumes = new ArrayList<>();

        @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Set an environment variable (K alone: the host's value).")
        List<String> env = new ArrayList<>();

        @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Run as this user (name or uid) instead of the image's.")
        String user;

        @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working folder instead of the image's.")
        String workdir;

        @Option(names = "--keep", arity = "0..1", paramLabel = "DIR", fallbackValue = "",
                description = "Keep the container's writes (an overlay's upper folder) in DIR (default: a new folder"
                        + " peel-writes-* here) instead of discarding them.")
        String keep;
    }

    /** An opened image of one platform, and what to close when done. */
    record Opened(Image image, Transfer.Opened source, String display) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            source.close();
        }
    }

    private Runs() {
    }

    /** Opens IMAGE and picks the platform: --platform's, else the image's only one, else this machine's. */
    static Opened open(String arg, String platform, RegistryFlags registry, Main parent, PrintWriter err) throws Exception {
        Platform wanted = platform == null ? null : Platform.parseUserInput(platform);
        Endpoint e = Endpoint.parse(arg);
        if (e instanceof Endpoint.Local l && (!Files.exists(l.path()) || isSpecFile(l.path()))) {
            Path spec = Path.of(arg);
            if (!dev.peel.spec.Presets.exists(arg) && !isSpecFile(spec)) {
                throw new IllegalArgumentException(arg + " does not exist (a layout folder[:TAG], an archive, a registry"
                        + " reference, a spec file or a preset name)");
            }
            e = new Endpoint.Local(built(spec, wanted, parent, registry, err), null, false);
        }
        Transfer.Opened o = Transfer.open(e, e instanceof Endpoint.Remote ? registry.client(parent, err) : null);
        try {
            Transfer.Opened sel = Transfer.select(o, wanted);
            List<Image> images = sel.images();
            Image image;
            if (images.size() == 1) {
                image = images.get(0);
            } else {
                Platform host = new Platform("linux", Container.hostArch(), null);
                image = images.stream().filter(i -> i.config().platform().matches(host)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(arg + " holds " + images.size()
                                + " platforms and none is this machine's (" + host + "): name one with --platform"));
            }
            return new Opened(image, o, arg);
        } catch (IOException | RuntimeException ex) {
            o.close();
            throw ex;
        }
    }

    private static boolean isSpecFile(Path p) {
        String n = p.getFileName() == null ? "" : p.getFileName().toString();
        return Files.isRegularFile(p) && (n.endsWith(".yaml") || n.endsWith(".yml"));
    }

    /**
     * A spec file or preset name given as IMAGE: built for the wanted platform (default this machine's) into an OCI
     * layout in the cache ({@code built/<key>}) — its layers come from the layer cache, so after the first time this is a
     * warm build — and run from there.
     */
    private static Path built(Path spec, Platform wanted, Main parent, RegistryFlags registry, PrintWriter err)
            throws Exception {
        dev.peel.spec.Spec s = Specs.load(spec);
        String arch = wanted == null ? Platform.hostDebianArch() : wanted.debianArch().orElseThrow(
                () -> new IllegalArgumentException("no Debian architecture for " + wanted));
        s = s.withArchs(List.of(arch));
        Cache cache = parent.cache();
        String key = dev.peel.oci.Digest.of((spec.toAbsolutePath() + "\n" + spec + "\n" + arch)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex().substring(0, 16);
        Path out = Files.createDirectories(cache.root().resolve("built")).resolve(key);
        if (!parent.quiet) {
            err.println("peel: building " + spec + " for " + arch + "…");
            err.flush();
        }
        dev.peel.build.BuildOptions options = new dev.peel.build.BuildOptions(java.util.OptionalLong.empty(), null, null,
                List.of(), dev.peel.build.Progress.NONE, new dev.peel.build.BuildOptions.Host(cache, System.getenv(),
                Path.of("/etc/apt"), w -> err.println("peel: " + w), java.time.Instant.now()),
                registry == null ? null : registry.client(parent, err));
        new dev.peel.build.Build(s, options).run(new dev.peel.build.Outputs(out, null, null, null));
        return out;
    }

    /** Parses -v flags. */
    static List<Sandbox.Volume> volumes(List<String> specs) {
        List<Sandbox.Volume> out = new ArrayList<>();
        for (String v : specs) {
            String[] parts = v.split(":", -1);
            boolean ro = parts.length == 3 && parts[2].equals("ro");
            if (parts.length < 2 || parts.length > 3 || (parts.length == 3 && !ro && !parts[2].equals("rw"))
                    || parts[0].isEmpty() || !parts[1].startsWith("/")) {
                throw new IllegalArgumentException("-v " + v + ": expected HOST:CONTAINER[:ro], the container path absolute");
            }
            Path host = Path.of(parts[0]).toAbsolutePath();
            if (!Files.exists(host)) {
                throw new IllegalArgumentException("-v " + v + ": " + host + " does not exist");
            }
            out.add(new Sandbox.Volume(host, parts[1], ro));
        }
        return out;
    }

    /** The image's tree, unpacked into the cache (or found there); warnings go to {@code err}. */
    static Path rootfs(Cache cache, Image image, PrintWriter err, boolean quiet) throws IOException {
        Consumer<String> warn = w -> {
            err.println("peel: " + w);
            err.flush();
        };
        if (!quiet && !Files.isRegularFile(cache.root().resolve(Rootfs.KIND).resolve(Rootfs.key(image)).resolve("complete"))) {
            err.println("peel: unpacking " + image.layers().size() + " layers (" + image.digest() + ")…");
            err.flush();
        }
        return Rootfs.of(cache, image, warn).root();
    }

    /**
     * The command the container runs, checked before anything starts: an absolute path must be a file in the
     * image, a bare name must be on its PATH (as execvp looks), else 127/126 with the reason.
     */
    static String missing(Path root, List<String> argv, List<String> env) throws IOException {
        String cmd = argv.get(0);
        List<String> candidates = new ArrayList<>();
        if (cmd.contains("/")) {
            candidates.add(cmd.startsWith("/") ? cmd : null);
        } else {
            String path = env.stream().filter(kv -> kv.startsWith("PATH=")).map(kv -> kv.substring(5)).findFirst().orElse("");
            for (String dir : path.split(":")) {
                if (dir.startsWith("/")) {
                    candidates.add(dir + "/" + cmd);
                }
            }
        }
        for (String c : candidates) {
            if (c == null) {
                return null;
            }
            Path p = Unpacker.inside(root, c);
            if (p != null && Files.isRegularFile(p)) {
                return Files.isExecutable(p) ? null : "not executable";
            }
        }
        return "not found";
    }

    /** Forwards TERM, INT, HUP, QUIT, USR1 and USR2 received by peel to the container's command while it runs. */
    static AutoCloseable forwardSignals(Process sandbox) {
        List<Runnable> undo = new ArrayList<>();
        for (String name : List.of("TERM", "INT", "HUP", "USR1", "WINCH")) {
            try {
                sun.misc.Signal sig = new sun.misc.Signal(name);
                sun.misc.SignalHandler old = sun.misc.Signal.handle(sig, s -> forward(sandbox, name));
                undo.add(() -> sun.misc.Signal.handle(sig, old));
            } catch (IllegalArgumentException e) {
                // The JVM keeps this signal for itself here.
            }
        }
        return () -> undo.forEach(Runnable::run);
    }

    private static void forward(Process sandbox, String signal) {
        Thread t = new Thread(() -> {
            // The command may still be starting: look for it a little while (bounded), else stop the sandbox.
            Optional<ProcessHandle> cmd = Optional.empty();
            for (int i = 0; i < 200 && cmd.isEmpty() && sandbox.isAlive(); i++) {
                cmd = Sandbox.command(sandbox);
                if (cmd.isEmpty()) {
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            if (cmd.isPresent()) {
                try {
                    // Its process group (bwrap's session, with its PID 1, which ignores what it does not handle): a
                    // shell's foreground children get it too, as from a terminal.
                    new ProcessBuilder("kill", "-s", signal, "--", "-" + processGroup(cmd.get().pid())).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                } catch (IOException e) {
                    cmd.get().destroy();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (sandbox.isAlive() && !signal.equals("WINCH")) {
                sandbox.destroy();
            }
        }, "peel-signal");
        t.setDaemon(true);
        t.start();
    }

    /** The process group of {@code pid} (field 5 of /proc/PID/stat), or the pid itself when unreadable. */
    static long processGroup(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[2]);
        } catch (IOException | RuntimeException e) {
            return pid;
        }
    }

    /** Where the sandbox keeps what it learnt about this host (the cache's run folder). */
    static Path scratch(Cache cache) throws IOException {
        return Files.createDirectories(cache.root().resolve("run"));
    }

    /**
     * command tests' runner: each call runs {@code argv} in a container of {@code image} (peel run's sandbox, the
     * image's user and working folder, {@code env} as given), its writes kept in {@code state/upper} for the next
     * call of the same test; stdout and stderr captured.
     */
    static dev.peel.structure.CommandRunner runner(Image image, Main parent, PrintWriter err) {
        return new dev.peel.structure.CommandRunner() {
            private Path root;

            @Override
            public Result run(List<String> argv, java.util.Map<String, String> env, Path state) throws IOException {
                Cache cache = parent.cache();
                if (root == null) {
                    Container.checkArch(image.config().platform());
                    root = rootfs(cache, image, err, parent.quiet);
                }
                dev.peel.oci.ImageConfig.Container c = image.config().config() == null
                        ? dev.peel.oci.ImageConfig.Container.empty() : image.config().config();
                Container.User user = Container.user(root, c.user());
                List<String> kv = new ArrayList<>();
                env.forEach((k, v) -> kv.add(k + "=" + v));
                if (env.keySet().stream().noneMatch("PATH"::equals)) {
                    kv.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
                }
                String problem = missing(root, argv, kv);
                if (problem != null) {
                    // As peel run (and a shell) answer: 127 not found, 126 not executable.
                    return new Result(problem.equals("not found") ? NOT_FOUND : NOT_EXECUTABLE, "",
                            argv.get(0) + ": " + problem + " in the image\n");
                }
                Sandbox.Spec spec = new Sandbox.Spec(argv, kv, c.workingDir(), user.uid(), user.gid(), true, List.of(),
                        hostname(image));
                Path st = state.toAbsolutePath();
                Process p = new ProcessBuilder(Sandbox.command(root, st, spec, List.of(), scratch(cache)))
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                Thread t = new Thread(() -> {
                    try {
                        p.getInputStream().transferTo(out);
                    } catch (IOException e) {
                        // The process ended.
                    }
                }, "peel-test-stdout");
                t.start();
                String stderr = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                try {
                    int code = p.waitFor();
                    t.join();
                    return new Result(code, out.toString(java.nio.charset.StandardCharsets.UTF_8), stderr);
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                } finally {
                    // The overlay's work folder (kernel-made, mode 000) would stop a plain delete of the state.
                    dev.peel.io.Trees.delete(st.resolve("work"));
                    dev.peel.io.Trees.delete(st.resolve("merged"));
                }
            }
        };
    }

    /** A folder for one run's overlay (upper, work, merged): --keep's, or a fresh one in the cache. */
    static Path state(Cache cache, String keep) throws IOException {
        if (keep != null) {
            Path dir = keep.isEmpty() ? Files.createTempDirectory(Path.of("").toAbsolutePath(), "peel-writes-")
                    : Path.of(keep).toAbsolutePath();
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new IllegalArgumentException("--keep " + keep + " is not a folder");
            }
            Files.createDirectories(dir);
            try (var s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException("--keep " + keep + " is not empty: the container's writes go"
                            + " into a folder of their own");
                }
            }
            return dir;
        }
        Path runs = Files.createDirectories(cache.root().resolve("run"));
        Path state = Files.createTempDirectory(runs, "c-");
        // Held while the container runs: peel cache prune leaves a locked folder alone. Released when peel exits.
        java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(state.resolve("lock"),
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        ch.lock();
        LOCKS.put(state, ch);
        return state;
    }

    private static final java.util.Map<Path, java.nio.channels.FileChannel> LOCKS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Removes a run's state, or with --keep leaves its upper folder and says where. */
    static void finish(Path state, String keep, PrintWriter err) {
        try {
            java.nio.channels.FileChannel ch = LOCKS.remove(state);
            if (ch != null) {
                ch.close();
            }
            if (keep == null) {
                dev.peel.io.Trees.delete(state);
            } else {
                dev.peel.io.Trees.delete(state.resolve("work"));
                dev.peel.io.Trees.delete(state.resolve("merged"));
                err.println("peel: the container's writes are in " + state.resolve("upper"));
                err.flush();
            }
        } catch (IOException e) {
            err.println("peel: could not remove " + state + ": " + e.getMessage());
        }
    }

    /** A hostname for the container: "peel-" and the start of the image's digest. */
    static String hostname(Image image) {
        return "peel-" + image.digest().hex().substring(0, 12);
    }
}
