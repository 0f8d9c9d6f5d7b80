package dev.peel.cli;

import dev.peel.testing.Tools;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs peel in-process, and skopeo, with a home, docker config and cache of a test's own, never the user's. */
final class CliRun {
    /** What a run printed and returned. */
    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private CliRun() {
    }

    /** The process's environment with HOME, DOCKER_CONFIG and XDG_CACHE_HOME under {@code dir}; no other auth file. */
    static Map<String, String> env(Path dir, String cacheName) {
        Map<String, String> e = new HashMap<>(System.getenv());
        e.put("HOME", dir.resolve("home").toString());
        e.put("DOCKER_CONFIG", dir.resolve("home/.docker").toString());
        e.put("XDG_CACHE_HOME", dir.resolve(cacheName).toString());
        e.remove("REGISTRY_AUTH_FILE");
        e.remove("XDG_RUNTIME_DIR");
        e.remove("XDG_CONFIG_HOME");
        return e;
    }

    static Result peel(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), env, args);
        return new Result(code, out.toString(), err.toString());
    }

    /** skopeo with a home of its own under {@code dir}, so it reads no credentials and writes nothing outside the test. */
    static Tools.Run skopeo(Path dir, String... args) throws Exception {
        Tools.require("skopeo");
        Path home = dir.resolve("skopeo-home");
        Files.createDirectories(home.resolve("run"));
        List<String> cmd = new ArrayList<>(List.of("skopeo"));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, null, Map.of("HOME", home.toString(), "XDG_RUNTIME_DIR", home.resolve("run").toString()), 120);
    }
}
