package dev.peel.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a process in a container made from an unpacked image, with no daemon and no root: util-linux's
 * {@code unshare} makes a user and mount namespace in which the image's tree is mounted as the lower layer
 * of an overlay (so the container can write, and its writes land in a folder of their own, the cached tree
 * untouched), then bubblewrap makes the container: new user, PID, UTS, IPC (and with no network, net)
 * namespaces, the overlay as /, /proc, a minimal /dev (null, zero, full, random, urandom, tty, pts, shm),
 * a tmpfs /tmp, the image's user as uid/gid, and a reaper as PID 1 whose child is the command.
 * Where the kernel does not allow an overlay in a user namespace, the tree is bound read-only instead.
 */
public final class Sandbox {
    /** A host folder or file bound into the container. */
    public record Volume(Path host, String container, boolean readOnly) {
    }

    /**
     * What runs and how: {@code env} as {@code K=V} in order; {@code network} false for none (loopback only). The
     * command always runs in a session of its own (bwrap's --new-session): signals reach it from peel, not from a
     * terminal's process group, and it cannot push input into the host's terminal.
     */
    public record Spec(List<String> argv, List<String> env, String workdir, long uid, long gid, boolean network,
                       List<Volume> volumes, String hostname) {
        public Spec {
            argv = List.copyOf(argv);
            env = List.copyOf(env);
            volumes = List.copyOf(volumes);
        }
    }

    /** The host cannot run containers (no bubblewrap, no user namespaces, another arch without binfmt). */
    public static final class Unavailable extends IOException {
        public Unavailable(String message) {
            super(message);
        }
    }

    private static volatile Boolean overlay;

    private Sandbox() {
    }

    static Path tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (dir.startsWith("/")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Checks that bubblewrap and unshare are there, that this user may make user namespaces, and whether an
     * overlay can be mounted in one. The probes run once per boot of the machine: their result is kept in
     * {@code scratch} under the kernel's boot id, so a warm run spawns nothing but the container.
     */
    public static boolean check(Path scratch) throws Unavailable {
        if (tool("bwrap") == null) {
            throw new Unavailable("running an image needs bubblewrap (bwrap), which is not on PATH;"
                    + " install it (Debian: apt-get install bubblewrap)");
        }
        if (tool("unshare") == null || tool("setsid") == null) {
            throw new Unavailable("running an image needs util-linux's unshare and setsid, which are not on PATH");
        }
        Boolean known = overlay;
        if (known != null) {
            return known;
        }
        Path marker = null;
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            marker = scratch.resolve(".host-" + boot.replaceAll("[^0-9a-f-]", ""));
            if (Files.isRegularFile(marker)) {
                overlay = Files.readString(marker).strip().equals("overlay");
                return overlay;
            }
        } catch (IOException e) {
            // No boot id: probe every time.
        }
        String why = probe();
        if (why != null) {
            throw new Unavailable("this kernel does not let " + (isRoot() ? "root" : "this user")
                    + " make a user namespace (" + why + "); peel runs images in one. Unprivileged user namespaces"
                    + " are off on this host: ask its administrator (sysctl kernel.unprivileged_userns_clone=1,"
                    + " user.max_user_namespaces > 0, or an AppArmor profile allowing it), or run as root");
        }
        boolean ok = probeOverlay(scratch);
        overlay = ok;
        if (marker != null) {
            try {
                Files.createDirectories(scratch);
                Path tmp = Files.createTempFile(scratch, ".host-", ".tmp");
                Files.writeString(tmp, ok ? "overlay\n" : "read-only\n");
                Files.move(tmp, marker, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // Probed again next time.
            }
        }
        return ok;
    }

    private static boolean isRoot() {
        try {
            return "0".equals(Files.readString(Path.of("/proc/self/status")).lines()
                    .filter(l -> l.startsWith("Uid:")).findFirst().map(l -> l.split("\\s+")[2]).orElse(""));
        } catch (IOException e) {
            return false;
        }
    }

    /** Null when user namespaces work (unshare and bwrap each make one), else what failed. */
    private static String probe() {
        try {
            Process p = new ProcessBuilder(tool("unshare").toString(), "--user", "--map-root-user", "--",
                    tool("bwrap").toString(), "--unshare-user", "--ro-bind", "/", "/", "--", "true")
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? null : out.isEmpty() ? "unshare or bwrap failed" : out;
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Whether an overlay can be mounted in a user namespace here (tried in {@code scratch}). */
    private static boolean probeOverlay(Path scratch) {
        boolean ok = false;
        try {
            Files.createDirectories(scratch);
            Path t = Files.createTempDirectory(scratch, ".probe-");
            try {
                for (String d : List.of("l", "u", "w", "m")) {
                    Files.createDirectory(t.resolve(d));
                }
                Process p = new ProcessBuilder(List.of(tool("unshare").toString(), "--user", "--map-root-user", "--mount",
                        "--", "/bin/sh", "-c", "mount -t overlay overlay -o \"lowerdir=$1,upperdir=$2,workdir=$3\" \"$4\"",
                        "sh", t.resolve("l").toString(), t.resolve("u").toString(), t.resolve("w").toString(),
                        t.resolve("m").toString()))
                        .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                p.getInputStream().readAllBytes();
                ok = p.waitFor() == 0;
            } finally {
                dev.peel.io.Trees.delete(t);
            }
        } catch (IOException e) {
            ok = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ok;
    }

    /**
     * The command line that runs {@code spec} over {@code root}: with {@code state} (a folder of the run's own,
     * holding {@code upper}, {@code work} and {@code merged}) writes go to {@code state/upper}; extra binds in
     * {@code extra}; {@code scratch} is where the host probes' answers are kept (the cache's run folder).
     */
    public static List<String> command(Path root, Path state, Spec spec, List<Volume> extra, Path scratch) throws IOException {
        boolean writable = check(scratch) && state != null;
        List<String> cmd = new ArrayList<>();
        cmd.add(tool("setsid").toString());
        String rootBind;
        if (writable) {
            for (String d : List.of("upper", "work", "merged")) {
                Files.createDirectories(state.resolve(d));
            }
            for (Path p : List.of(root, state)) {
                String s = p.toAbsolutePath().toString();
                if (s.contains(",") || s.contains(":") || s.contains("\\")) {
                    throw new IOException("the folder " + s + " has ',' ':' or '\\' in its name, which an overlay"
                            + " mount cannot take; use another cache folder (--cache)");
                }
            }
            cmd.addAll(List.of(tool("unshare").toString(), "--user", "--map-root-user", "--mount", "--", "/bin/sh", "-c",
                    "mount -t overlay overlay -o \"lowerdir=$1,upperdir=$2,workdir=$3\" \"$4\" || exit 125; shift 4; exec \"$@\"",
                    "sh", root.toAbsolutePath().toString(), state.resolve("upper").toAbsolutePath().toString(),
                    state.resolve("work").toAbsolutePath().toString(), state.resolve("merged").toAbsolutePath().toString()));
            rootBind = "--bind";
            root = state.resolve("merged").toAbsolutePath();
        } else {
            rootBind = "--ro-bind";
        }
        cmd.add(tool("bwrap").toString());
        cmd.addAll(List.of("--unshare-user", "--uid", Long.toString(spec.uid()), "--gid", Long.toString(spec.gid()),
                "--unshare-pid", "--unshare-uts", "--unshare-ipc", "--hostname", spec.hostname(), "--die-with-parent"));
        if (!spec.network()) {
            cmd.add("--unshare-net");
        }
        cmd.add("--new-session");
        cmd.addAll(List.of(rootBind, root.toAbsolutePath().toString(), "/", "--proc", "/proc", "--dev", "/dev",
                "--tmpfs", "/tmp"));
        if (spec.network() && writable) {
            for (String f : List.of("/etc/resolv.conf", "/etc/hosts")) {
                if (Files.isRegularFile(Path.of(f))) {
                    cmd.addAll(List.of("--ro-bind", f, f));
                }
            }
        }
        List<Volume> binds = new ArrayList<>(spec.volumes());
        binds.addAll(extra);
        for (Volume v : binds) {
            cmd.addAll(List.of(v.readOnly() ? "--ro-bind" : "--bind", v.host().toAbsolutePath().toString(), v.container()));
        }
        String workdir = spec.workdir() == null || spec.workdir().isEmpty() ? "/" : spec.workdir();
        if (writable && !workdir.equals("/")) {
            cmd.addAll(List.of("--dir", workdir));
        }
        cmd.addAll(List.of("--chdir", workdir, "--clearenv"));
        for (String kv : spec.env()) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                cmd.addAll(List.of("--setenv", kv.substring(0, eq), kv.substring(eq + 1)));
            }
        }
        cmd.add("--");
        cmd.addAll(spec.argv());
        return cmd;
    }

    /**
     * The container's command, once it runs: the child of bubblewrap's PID 1 (our process → bwrap → its PID 1
     * → the command). Empty while it is still being set up.
     */
    public static Optional<ProcessHandle> command(Process sandbox) {
        return sandbox.toHandle().children().findFirst()
                .flatMap(init -> init.children().findFirst());
    }
}
