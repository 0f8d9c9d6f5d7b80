package dev.peel.cli;

import dev.peel.cache.Cache;
import dev.peel.image.Image;
import dev.peel.oci.ImageConfig;
import dev.peel.run.Container;
import dev.peel.run.Sandbox;
import dev.peel.run.Toolbox;
import dev.peel.run.Unpacker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs an image's command (its entrypoint and cmd, or CMD ARGS after --)",
                "with no daemon and no root. The platform's layers are unpacked once into the",
                "cache, every layer treated as hostile; the command runs in new user, mount,",
                "PID, UTS and IPC namespaces (bubblewrap) with /proc, a minimal /dev, a tmpfs",
                "/tmp, the image's env, workdir and user, as the child of a PID 1 that reaps.",
                "TERM, INT, HUP, USR1 and WINCH sent to peel are passed on. Writes go to an",
                "overlay discarded at exit (--keep keeps them). IMAGE is a layout",
                "folder[:TAG], an OCI/docker archive, a registry reference, or a spec file or",
                "preset name (built for this machine first)."},
        footer = Runs.HELP)
final class RunCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Mixin
    RegistryFlags registry;

    @CommandLine.Mixin
    Runs.Flags flags;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Layout folder[:TAG], archive, registry reference, spec file or preset.")
    String image;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "After --: the command and its arguments, instead of the image's entrypoint and cmd.")
    List<String> cmd = new ArrayList<>();

    @Override
    public Integer call() {
        return execute(command.commandLine().getErr(), parent, registry, flags, image, cmd, false, "run");
    }

    /** Runs IMAGE (debug: with the toolbox and a shell); returns the exit code. */
    static int execute(PrintWriter err, Main parent, RegistryFlags registry, Runs.Flags flags, String image,
                       List<String> cmd, boolean debug, String name) {
        if (!flags.network.equals("host") && !flags.network.equals("none")) {
            err.println("peel " + name + ": --network is host or none, not " + flags.network);
            return ExitCodes.USAGE;
        }
        List<Sandbox.Volume> volumes;
        try {
            volumes = Runs.volumes(flags.volumes);
        } catch (IllegalArgumentException e) {
            err.println("peel " + name + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Cache cache = parent.cache();
        Path state = null;
        try (Runs.Opened o = Runs.open(image, flags.platform, registry, parent, err)) {
            Image img = o.image();
            Container.checkArch(img.config().platform());
            Path root = Runs.rootfs(cache, img, err, parent.quiet);
            ImageConfig.Container c = img.config().config() == null ? ImageConfig.Container.empty() : img.config().config();
            Container.User user = Container.user(root, flags.user != null ? flags.user : c.user());
            String hostname = Runs.hostname(img);
            List<String> extraEnv = new ArrayList<>(flags.env);
            List<Sandbox.Volume> extra = new ArrayList<>();
            List<String> argv;
            List<String> env;
            if (debug) {
                String suite = flags instanceof DebugCommand.DebugFlags d && d.suite != null ? d.suite : Toolbox.suite(root);
                if (suite == null) {
                    err.println("peel " + name + ": the image's /etc/os-release names no Debian suite (VERSION_CODENAME): give --suite");
                    return ExitCodes.USAGE;
                }
                String arch = img.config().platform().debianArch().orElseThrow(() -> new IllegalArgumentException(
                        "no Debian architecture for " + img.config().platform() + ", so no toolbox"));
                Path box = Toolbox.of(cache, suite, arch, System.getenv(), Path.of("/etc/apt"), w -> err.println("peel: " + w));
                extra.add(new Sandbox.Volume(box, Toolbox.MOUNT, true));
                env = Container.env(c, extraEnv, hostname, user.home());
                env = env.stream().map(kv -> kv.startsWith("PATH=") ? "PATH=" + Toolbox.MOUNT + "/bin:" + kv.substring(5) : kv).toList();
                // busybox-static's shell runs its applets without links to them: a command after -- goes through it,
                // so both busybox's tools and the image's programs (on PATH) can be named.
                List<String> shell = new ArrayList<>(List.of(Toolbox.MOUNT + "/bin/busybox", "sh"));
                if (!cmd.isEmpty()) {
                    shell.addAll(List.of("-c", "exec \"$@\"", "sh"));
                    shell.addAll(cmd);
                }
                argv = shell;
                if (System.getenv("TERM") != null && env.stream().noneMatch(kv -> kv.startsWith("TERM="))) {
                    env = new ArrayList<>(env);
                    env.add("TERM=" + System.getenv("TERM"));
                }
            } else {
                argv = Container.argv(c, cmd, o.display());
                env = Container.env(c, extraEnv, hostname, user.home());
            }
            String workdir = flags.workdir != null ? flags.workdir : c.workingDir();
            if (!debug && volumes.stream().noneMatch(v -> argv.get(0).equals(v.container())
                    || argv.get(0).startsWith(v.container().endsWith("/") ? v.container() : v.container() + "/"))) {
                String problem = Runs.missing(root, argv, env);
                if (problem != null) {
                    err.println("peel " + name + ": " + argv.get(0) + ": " + problem + " in " + o.display());
                    return problem.equals("not found") ? Runs.NOT_FOUND : Runs.NOT_EXECUTABLE;
                }
            }
            state = Runs.state(cache, flags.keep);
            Sandbox.Spec spec = new Sandbox.Spec(argv, env, workdir, user.uid(), user.gid(), flags.network.equals("host"),
                    volumes, hostname);
            List<String> line = Sandbox.command(root, state, spec, extra, Runs.scratch(cache));
            ProcessBuilder pb = new ProcessBuilder(line).inheritIO();
            err.flush();
            Process p = pb.start();
            try (AutoCloseable signals = Runs.forwardSignals(p)) {
                return p.waitFor();
            }
        } catch (Sandbox.Unavailable e) {
            err.println("peel " + name + ": " + e.getMessage());
            return Runs.CANNOT_RUN;
        } catch (dev.peel.spec.SpecException e) {
            err.println("peel " + name + ": " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (Unpacker.Refused e) {
            err.println("peel " + name + ": " + image + ": refused: " + e.getMessage());
            return Runs.CANNOT_RUN;
        } catch (IllegalArgumentException e) {
            err.println("peel " + name + ": " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERRUPTED;
        } catch (java.nio.file.FileSystemException e) {
            err.println("peel " + name + ": " + e.getFile() + ": " + (e.getReason() != null ? e.getReason()
                    : e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase()));
            return Runs.CANNOT_RUN;
        } catch (Exception e) {
            err.println("peel " + name + ": " + image + ": " + e.getMessage());
            return Runs.CANNOT_RUN;
        } finally {
            if (state != null) {
                Runs.finish(state, flags.keep, err);
            }
            err.flush();
        }
    }
}
