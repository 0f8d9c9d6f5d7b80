package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.testing.RegistryServer;
import dev.peel.testing.TokenServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials against a registry behind htpasswd (Basic) and behind token auth (a token issuer written for the
 * tests): wrong passwords and missing scopes are one clear error with exit code 5, nothing is pushed, and no
 * password or token ever appears in what peel prints.
 */
class RegistryAuthTest {
    @TempDir
    Path tmp;

    Path image;
    final List<String> printed = new ArrayList<>();

    CliRun.Result peel(String... args) {
        CliRun.Result r = CliRun.peel(CliRun.env(tmp, "xdg-cache"), args);
        printed.add(r.out());
        printed.add(r.err());
        return r;
    }

    @BeforeEach
    void build() throws Exception {
        Files.writeString(tmp.resolve("hello.txt"), "hello\n");
        Path spec = tmp.resolve("app.yaml");
        Files.writeString(spec, """
                files:
                  - {path: /hello.txt, source: hello.txt}
                """);
        image = tmp.resolve("image");
        CliRun.Result b = peel("build", spec.toString(), "--arch", "amd64,arm64", "-o", image.toString(), "-q");
        assertEquals(0, b.exit(), b.err());
    }

    @AfterEach
    void noSecretWasPrinted() {
        for (String secret : secrets) {
            for (String p : printed) {
                assertFalse(p.contains(secret), "a secret was printed: " + p);
            }
        }
    }

    final List<String> secrets = new ArrayList<>();

    void secret(String user, String password) {
        secrets.add(password);
        secrets.add(Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void basicAuthNeedsTheRightPasswordAndPrintsNoSecret() throws Exception {
        String password = "Basic-Pw-7f3a9c";
        secret("ci", password);
        secret("ci", "wrong-Pw-0b1d2e");
        try (RegistryServer r = RegistryServer.startWithHtpasswd(tmp.resolve("reg"), "ci", password)) {
            String ref = r.host() + "/team/app:1";
            CliRun.Result anonymous = peel("push", image.toString(), ref);
            assertEquals(5, anonymous.exit(), anonymous.err());
            assertTrue(anonymous.err().contains("needs credentials; run 'peel login " + r.host() + "'"), anonymous.err());

            CliRun.Result wrong = peel("login", r.host(), "-u", "ci", "-p", "wrong-Pw-0b1d2e");
            assertEquals(5, wrong.exit(), wrong.err());
            assertTrue(wrong.err().contains("refused the credentials of user 'ci'"), wrong.err());
            assertFalse(Files.exists(tmp.resolve("home/.docker/config.json")), "a refused login saves nothing");
            assertEquals(0, r.count("PUT", "/v2/.*/manifests/.*"), "nothing was pushed");

            CliRun.Result login = peel("login", r.host(), "-u", "ci", "-p", password);
            assertEquals(0, login.exit(), login.err());
            String config = Files.readString(tmp.resolve("home/.docker/config.json"));
            assertTrue(config.contains(r.host()), config);
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(tmp.resolve("home/.docker/config.json"))));

            CliRun.Result push = peel("push", image.toString(), ref);
            assertEquals(0, push.exit(), push.err());
            CliRun.Result pull = peel("pull", ref, "-o", tmp.resolve("pulled").toString());
            assertEquals(0, pull.exit(), pull.err());

            CliRun.Result logout = peel("logout", r.host());
            assertEquals(0, logout.exit(), logout.err());
            assertEquals(5, peel("pull", ref, "-o", tmp.resolve("again").toString()).exit());
            assertFalse(Files.exists(tmp.resolve("again")));
        }
    }

    @Test
    void httpsNeedsTheRegistrysCaAndNeverFallsBackToPlainHttp() throws Exception {
        try (RegistryServer r = RegistryServer.startWithTls(tmp.resolve("reg"), tmp.resolve("certs"))) {
            String ref = r.host() + "/tls/app:1";
            CliRun.Result untrusted = peel("push", image.toString(), ref);
            assertEquals(4, untrusted.exit(), untrusted.err());
            assertTrue(untrusted.err().contains("TLS with " + r.host() + " failed") && untrusted.err().contains("--ca-file"),
                    untrusted.err());
            String ca = tmp.resolve("certs/ca.pem").toString();
            CliRun.Result push = peel("push", image.toString(), ref, "--ca-file", ca);
            assertEquals(0, push.exit(), push.err());
            CliRun.Result pull = peel("pull", ref, "-o", tmp.resolve("pulled").toString(), "--ca-file", ca);
            assertEquals(0, pull.exit(), pull.err());
            assertEquals(push.out().lines().findFirst().orElseThrow() + "\n", pull.out());
        }
    }

    @Test
    void tokenAuthRefusesAMissingScopeAndPushesNothing() throws Exception {
        secret("alice", "Alice-Pw-55c1e0");
        secret("bob", "Bob-Pw-9e8d7c");
        try (TokenServer tokens = TokenServer.start(Files.createDirectories(tmp.resolve("tokens")));
             RegistryServer r = RegistryServer.startWithToken(tmp.resolve("reg"), tokens)) {
            tokens.grant("alice", "Alice-Pw-55c1e0", "app/*", Set.of("pull", "push"));
            tokens.grant("bob", "Bob-Pw-9e8d7c", "app/*", Set.of("pull"));
            String ref = r.host() + "/app/web:1";

            CliRun.Result bobLogin = peel("login", r.host(), "-u", "bob", "-p", "Bob-Pw-9e8d7c");
            assertEquals(0, bobLogin.exit(), bobLogin.err());
            CliRun.Result bobPush = peel("push", image.toString(), ref);
            assertEquals(5, bobPush.exit(), bobPush.err());
            assertTrue(bobPush.err().contains("denied user 'bob'") && bobPush.err().contains("repository:app/web:pull,push"),
                    bobPush.err());
            assertEquals(0, r.count("PUT", "/v2/.*/manifests/.*"), "nothing was pushed");
            assertEquals(0, r.count("PUT", "/v2/.*/blobs/uploads/.*"), "no blob was uploaded");

            CliRun.Result wrong = peel("login", r.host(), "-u", "alice", "-p", "not-her-password");
            secrets.add("not-her-password");
            assertEquals(5, wrong.exit(), wrong.err());
            assertTrue(wrong.err().contains("token service refused the credentials of user 'alice'"), wrong.err());

            CliRun.Result aliceLogin = peel("login", r.host(), "-u", "alice", "-p", "Alice-Pw-55c1e0");
            assertEquals(0, aliceLogin.exit(), aliceLogin.err());
            CliRun.Result push = peel("push", image.toString(), ref);
            assertEquals(0, push.exit(), push.err());
            CliRun.Result pull = peel("pull", ref, "-o", tmp.resolve("pulled").toString());
            assertEquals(0, pull.exit(), pull.err());
            CliRun.Result outside = peel("push", image.toString(), r.host() + "/other/web:1");
            assertEquals(5, outside.exit(), outside.err());

            assertTrue(tokens.tokensIssued().size() >= 2, "tokens were issued");
            secrets.addAll(tokens.tokensIssued());
        }
    }
}
