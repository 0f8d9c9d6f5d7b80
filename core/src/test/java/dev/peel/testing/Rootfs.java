package dev.peel.testing;

import dev.peel.image.Image;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Index;
import dev.peel.oci.MediaType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Built images unpacked and run as a runtime would: umoci unpacks, unshare runs (no root needed). */
public final class Rootfs {
    private Rootfs() {
    }

    /**
     * One image of a layout unpacked with umoci into {@code bundle}; returns its rootfs. umoci 0.4 cannot pick a
     * platform out of an index, so it is handed a view of the layout whose index names only that manifest.
     */
    public static Path unpack(Path layout, Image img, Path bundle) throws Exception {
        Tools.require("umoci");
        Path view = Files.createDirectories(bundle.resolveSibling(bundle.getFileName() + "-view"));
        Files.createSymbolicLink(view.resolve("blobs"), layout.resolve("blobs"));
        Files.copy(layout.resolve("oci-layout"), view.resolve("oci-layout"));
        Descriptor d = new Descriptor(MediaType.OCI_MANIFEST, Digest.of(img.rawManifest()), img.rawManifest().length)
                .withAnnotations(Map.of("org.opencontainers.image.ref.name", "one"));
        Files.write(view.resolve("index.json"), new Index(MediaType.OCI_INDEX, List.of(d), null).toJson());
        Tools.run("umoci", "unpack", "--image", view + ":one", bundle.toString()).ok();
        return bundle.resolve("rootfs");
    }

    /**
     * Runs {@code cmd} in {@code root} as root of new user, mount and PID namespaces with a /proc and the host's /dev
     * bound in, with exactly {@code env}; returns its stdout (a failure fails the test).
     */
    public static String runWithProc(Path root, List<String> env, List<String> cmd) throws Exception {
        return Tools.run(command(root, env, cmd, List.of()), null, Map.of(), 300).ok().out();
    }

    /**
     * Starts {@code cmd} as {@link #runWithProc} runs it, but in the background (a server: the network is the host's,
     * so it listens on the host's loopback), stdout and stderr to {@code log}. Stop it with {@link #stop}.
     */
    public static Process start(Path root, List<String> env, List<String> cmd, Path log) throws Exception {
        // --kill-child: should unshare itself die, the namespace's first process and with it the whole tree goes too.
        return new ProcessBuilder(command(root, env, cmd, List.of("--kill-child")))
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    /** Kills what {@link #start} started, its descendants first, and waits until it is gone. */
    public static void stop(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException("the process " + p.pid() + " outlived SIGKILL by 30 s");
        }
    }

    private static List<String> command(Path root, List<String> env, List<String> cmd, List<String> unshare) throws Exception {
        Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(root.resolve("dev"));
        List<String> c = new ArrayList<>(List.of("env", "-i"));
        c.addAll(env);
        c.addAll(List.of("unshare", "-r", "-m", "-p", "-f"));
        c.addAll(unshare);
        c.addAll(List.of("--mount-proc=" + root.resolve("proc"), "/bin/sh", "-c",
                "mount --rbind /dev \"$0/dev\" && exec /usr/sbin/chroot \"$0\" \"$@\"", root.toString()));
        c.addAll(cmd);
        return c;
    }
}
