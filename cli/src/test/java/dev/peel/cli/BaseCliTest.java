package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.debian.Lock;
import dev.peel.image.Image;
import dev.peel.layout.Layout;
import dev.peel.testing.RegistryServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** build, lock and their exit codes on a base image in a real registry on loopback. */
class BaseCliTest {
    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    Result peel(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--cache";
        all[args.length + 1] = tmp.resolve("cache").toString();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // An environment of the test's own: no credentials of the machine's user are read.
        Map<String, String> env = Map.of("HOME", tmp.resolve("home").toString(), "PATH", System.getenv().getOrDefault("PATH", "/usr/bin"));
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), env, all);
        return new Result(code, out.toString(), err.toString());
    }

    Path spec(String name, String yaml) throws Exception {
        Path f = tmp.resolve(name + ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void lockPinsTheBaseAndBuildInheritsItsConfig() throws Exception {
        try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
            Path base = spec("base", "archs: [amd64]\nfiles:\n  - {path: /etc/base, content: base}\nentrypoint: [/bin/true]\n"
                    + "cmd: [from-base]\nenv: {FROM: base}\n");
            Result pushed = peel("build", base.toString(), "--push", registry.host() + "/base:1", "-q");
            assertEquals(0, pushed.exit(), pushed.err());
            String digest = pushed.out().lines().findFirst().orElseThrow();

            Path app = spec("app", "base: " + registry.host() + "/base:1\nfiles:\n  - {path: /app/x, content: x}\ncmd: [from-app]\n");
            Result locked = peel("lock", app.toString());
            assertEquals(0, locked.exit(), locked.err());
            Lock lock = Lock.parse(Files.readAllBytes(tmp.resolve("app.lock.json")));
            assertEquals(digest, lock.base().digest().toString());
            assertTrue(locked.err().contains("locked the base " + registry.host() + "/base:1 at " + digest), locked.err());

            Result built = peel("build", app.toString(), "-o", tmp.resolve("out").toString());
            assertEquals(0, built.exit(), built.err());
            try (Layout l = Layout.open(tmp.resolve("out"))) {
                Image i = l.image(l.resolve(null));
                assertEquals(List.of("/bin/true"), i.config().config().entrypoint());
                assertEquals(List.of("from-app"), i.config().config().cmd());
                assertTrue(i.config().config().env().contains("FROM=base"));
                assertEquals(digest, i.manifest().annotations().get("org.opencontainers.image.base.digest"));
            }
        }
    }

    @Test
    void aBaseThatIsMissingOrDeniedExitsWithTheRegistrysCode() throws Exception {
        try (RegistryServer open = RegistryServer.start(tmp.resolve("open"));
                RegistryServer closed = RegistryServer.startWithHtpasswd(tmp.resolve("closed"), "alice", "s3cret")) {
            Path missing = spec("missing", "base: " + open.host() + "/nothing:1\n");
            Result r = peel("build", missing.toString(), "-o", tmp.resolve("out").toString());
            assertEquals(ExitCodes.REGISTRY, r.exit(), r.err());
            assertTrue(r.err().contains("missing.yaml:1:7"), r.err());

            Path denied = spec("denied", "base: " + closed.host() + "/base:1\n");
            Result d = peel("lock", denied.toString());
            assertEquals(ExitCodes.DENIED, d.exit(), d.err());
            assertTrue(d.err().contains("denied.yaml:1:7"), d.err());
        }
    }
}
