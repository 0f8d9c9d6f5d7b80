package dev.peel.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credential files and helpers as docker and podman leave them: a temp HOME, an explicit environment, and fake
 * {@code docker-credential-*} programs (shell scripts keeping one file per server URL) on a temp PATH.
 */
class CredentialsTest {
    private static final String SECRET = "s3cr3t-Pa55-do-not-print";
    private static final String HOST = "registry.example";

    /**
     * A credential helper speaking docker's protocol. It keeps {@code store}d JSON in a directory named after
     * the program, answers {@code get} with it, and logs each call's action and server URL (never a secret).
     * A file {@code fail-<action>} in its directory makes it print that file, echo its input to stderr and exit 3;
     * a file {@code sleep} makes it hang.
     */
    private static final String HELPER = """
            #!/bin/sh
            dir="$HELPER_STORE/$(basename "$0")"
            mkdir -p "$dir"
            input=$(cat)
            if [ "$1" = store ]; then
              server=$(printf '%s' "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p')
            else
              server="$input"
            fi
            echo "$1 $server" >> "$dir/calls"
            if [ -f "$dir/sleep" ]; then sleep 30; fi
            if [ -f "$dir/fail-$1" ]; then cat "$dir/fail-$1"; printf '%s\\n' "$input" >&2; exit 3; fi
            key=$(printf '%s' "$server" | od -An -tx1 | tr -d ' \\n')
            case "$1" in
              get)   if [ -f "$dir/$key" ]; then cat "$dir/$key"; exit 0; fi ;;
              store) printf '%s' "$input" > "$dir/$key"; exit 0 ;;
              erase) if [ -f "$dir/$key" ]; then rm "$dir/$key"; exit 0; fi ;;
            esac
            echo "credentials not found in native keychain"
            exit 1
            """;

    @TempDir
    Path tmp;
    Path home;
    Path bin;
    Path store;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws IOException {
        home = Files.createDirectories(tmp.resolve("home"));
        bin = Files.createDirectories(tmp.resolve("bin"));
        store = Files.createDirectories(tmp.resolve("store"));
        for (String name : List.of("test", "other")) {
            Path p = bin.resolve("docker-credential-" + name);
            Files.writeString(p, HELPER);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        env = new HashMap<>();
        env.put("PATH", bin + ":/usr/bin:/bin");
        env.put("HELPER_STORE", store.toString());
    }

    private Credentials credentials() {
        return Credentials.fromEnvironment(env, home);
    }

    private Path dockerConfig() {
        return home.resolve(".docker/config.json");
    }

    private static String auth(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Path write(Path file, String json) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, json);
        return file;
    }

    private static String authsFile(String key, String user, String password) {
        return "{\"auths\": {\"" + key + "\": {\"auth\": \"" + auth(user, password) + "\"}}}";
    }

    /** Puts a credential into a fake helper's keeping, as a prior {@code store} would have. */
    private void helperHas(String helper, String server, String user, String secret) throws IOException {
        Path dir = Files.createDirectories(store.resolve("docker-credential-" + helper));
        StringBuilder key = new StringBuilder();
        for (byte b : server.getBytes(StandardCharsets.UTF_8)) {
            key.append(String.format("%02x", b));
        }
        Files.writeString(dir.resolve(key.toString()),
                "{\"ServerURL\":\"" + server + "\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}");
    }

    private List<String> calls(String helper) throws IOException {
        Path log = store.resolve("docker-credential-" + helper).resolve("calls");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private String user(String host) throws IOException {
        return credentials().find(host).map(Credential::username).orElse(null);
    }

    @Test
    void readsPodmansFilesBeforeDockersAndRegistryAuthFileAlone() throws IOException {
        Path runtime = tmp.resolve("run");
        env.put("XDG_RUNTIME_DIR", runtime.toString());
        Path podmanRuntime = write(runtime.resolve("containers/auth.json"), authsFile(HOST, "runtime", "p"));
        Path podmanConfig = write(home.resolve(".config/containers/auth.json"), authsFile(HOST, "config", "p"));
        write(dockerConfig(), authsFile(HOST, "docker", "p"));
        assertEquals(List.of(podmanRuntime, podmanConfig, dockerConfig()), credentials().files());

        assertEquals("runtime", user(HOST));
        Files.delete(podmanRuntime);
        assertEquals("config", user(HOST));
        Files.delete(podmanConfig);
        assertEquals("docker", user(HOST));

        // A file without the registry passes the search on to the next one.
        write(podmanConfig, authsFile("elsewhere.example", "config", "p"));
        assertEquals("docker", user(HOST));

        Path dockerDir = tmp.resolve("docker-config");
        env.put("DOCKER_CONFIG", dockerDir.toString());
        assertEquals(null, user(HOST), "DOCKER_CONFIG replaces ~/.docker");
        write(dockerDir.resolve("config.json"), authsFile(HOST, "docker-config", "p"));
        assertEquals("docker-config", user(HOST));
        assertEquals(dockerDir.resolve("config.json"), credentials().loginFile());

        // As in podman and skopeo, REGISTRY_AUTH_FILE is the only file read once it is set.
        Path authFile = write(tmp.resolve("ci/auth.json"), authsFile("other.example", "ci", "p"));
        env.put("REGISTRY_AUTH_FILE", authFile.toString());
        assertEquals(List.of(authFile), credentials().files());
        assertEquals(authFile, credentials().loginFile());
        assertEquals("ci", user("other.example"));
        assertEquals(null, user(HOST));
    }

    @Test
    void matchesEverySpellingOfARegistryKey() throws IOException {
        String[][] cases = {
            {"https://registry.example", "registry.example"},
            {"http://registry.example/", "registry.example"},
            {"https://registry.example/v1/", "registry.example"},
            {"registry.example/v2/", "registry.example"},
            {"REGISTRY.example", "registry.example"},
            {"localhost:5000", "localhost:5000"},
            {"http://localhost:5000/v2", "localhost:5000"},
            {"https://index.docker.io/v1/", "registry-1.docker.io"},
            {"index.docker.io", "registry-1.docker.io"},
            {"docker.io", "registry-1.docker.io"},
            {"registry-1.docker.io", "registry-1.docker.io"},
        };
        for (String[] c : cases) {
            write(dockerConfig(), authsFile(c[0], "u", "p"));
            assertEquals("u", user(c[1]), "key " + c[0] + " for " + c[1]);
        }
        write(dockerConfig(), authsFile("https://index.docker.io/v1/", "hub", "p"));
        for (String alias : List.of("registry-1.docker.io", "docker.io", "index.docker.io", "https://index.docker.io/v1/")) {
            assertEquals("hub", user(alias), alias);
        }
        assertEquals(null, user("registry.example"));

        // docker's own key wins over older spellings, wherever they stand in the file.
        write(dockerConfig(), "{\"auths\": {"
                + "\"https://registry.example\": {\"auth\": \"" + auth("old", "p") + "\"},"
                + "\"registry.example\": {\"auth\": \"" + auth("new", "p") + "\"},"
                + "\"docker.io\": {\"auth\": \"" + auth("podman-hub", "p") + "\"},"
                + "\"https://index.docker.io/v1/\": {\"auth\": \"" + auth("docker-hub", "p") + "\"}}}");
        assertEquals("new", user(HOST));
        assertEquals("docker-hub", user("registry-1.docker.io"));

        // podman's per-repository keys apply to their repositories only.
        write(dockerConfig(), "{\"auths\": {"
                + "\"registry.example/team\": {\"auth\": \"" + auth("team", "p") + "\"},"
                + "\"registry.example/team/app\": {\"auth\": \"" + auth("app", "p") + "\"},"
                + "\"registry.example\": {\"auth\": \"" + auth("host", "p") + "\"}}}");
        Credentials creds = credentials();
        assertEquals("app", creds.find(HOST, "team/app").orElseThrow().username());
        assertEquals("team", creds.find(HOST, "team/lib").orElseThrow().username());
        assertEquals("host", creds.find(HOST, "solo/app").orElseThrow().username());
        assertEquals("host", creds.find(HOST).orElseThrow().username());
    }

    @Test
    void decodesAuthUsernamePasswordAndIdentityToken() throws IOException {
        String wrapped = auth("alice", SECRET + "-" + "x".repeat(80));
        wrapped = wrapped.substring(0, 76) + "\n" + wrapped.substring(76);
        write(dockerConfig(), "{\"auths\": {"
                + "\"a.example\": {\"auth\": \"" + auth("alice", "pa:ss") + "\"},"
                + "\"b.example\": {\"username\": \"bob\", \"password\": \"pw\"},"
                + "\"c.example\": {\"auth\": \"" + auth("carol", "") + "\", \"identitytoken\": \"refresh-1\"},"
                + "\"d.example\": {\"identitytoken\": \"refresh-2\"},"
                + "\"e.example\": {},"
                + "\"f.example\": {\"auth\": \"not*base64\"},"
                + "\"g.example\": {\"auth\": " + new String(Json.write(wrapped), StandardCharsets.UTF_8) + "},"
                + "\"h.example\": {\"auth\": \"" + auth("nul", "pw\0\0") + "\"}}}");
        Credentials creds = credentials();
        assertEquals(Optional.of(Credential.basic("alice", "pa:ss")), creds.find("a.example"), "split at the first ':'");
        assertEquals(Optional.of(Credential.basic("bob", "pw")), creds.find("b.example"));
        assertEquals(Optional.of(new Credential("carol", "refresh-1", true)), creds.find("c.example"));
        assertEquals(Optional.of(new Credential(Credential.TOKEN_USER, "refresh-2", true)), creds.find("d.example"));
        assertEquals(Optional.empty(), creds.find("e.example"), "docker's empty marker is no credential");
        CredentialsException bad = assertThrows(CredentialsException.class, () -> creds.find("f.example"));
        assertTrue(bad.getMessage().contains(dockerConfig() + ": \"auths\".\"f.example\".auth"), bad.getMessage());
        assertEquals("alice", creds.find("g.example").orElseThrow().username(), "line breaks in base64 are skipped");
        assertEquals(Optional.of(Credential.basic("nul", "pw")), creds.find("h.example"));
    }

    @Test
    void credHelpersBeatCredsStoreWhichBeatsAuths() throws IOException {
        String auths = "\"auths\": {\"" + HOST + "\": {\"auth\": \"" + auth("file", "p") + "\"},"
                + "\"https://index.docker.io/v1/\": {}}";
        helperHas("test", HOST, "from-cred-helper", "p1");
        helperHas("other", HOST, "from-store", "p2");
        helperHas("other", "https://index.docker.io/v1/", Credential.TOKEN_USER, "hub-token");

        write(dockerConfig(), "{\"credHelpers\": {\"" + HOST + "\": \"test\"}, \"credsStore\": \"other\", " + auths + "}");
        assertEquals(Optional.of(Credential.basic("from-cred-helper", "p1")), credentials().find(HOST));
        assertEquals(List.of("get " + HOST), calls("test"));
        assertEquals(List.of(), calls("other"), "a registry's own helper decides alone");
        // Docker Hub has no credHelpers entry, so the store answers, asked with docker's key, with a token.
        assertEquals(Optional.of(new Credential(Credential.TOKEN_USER, "hub-token", true)),
                credentials().find("registry-1.docker.io"));
        assertEquals(List.of("get https://index.docker.io/v1/"), calls("other"));

        write(dockerConfig(), "{\"credsStore\": \"other\", " + auths + "}");
        assertEquals("from-store", user(HOST));

        // A helper that has nothing means no credential from that file, even with auths beside it.
        write(dockerConfig(), "{\"credHelpers\": {\"https://" + HOST + "\": \"test\"}, " + auths + "}");
        Files.delete(store.resolve("docker-credential-test").resolve(hex(HOST)));
        assertEquals(Optional.empty(), credentials().find(HOST));

        // An empty credHelpers entry is docker's "use the file for this registry", over a credsStore.
        write(dockerConfig(), "{\"credHelpers\": {\"" + HOST + "\": \"\"}, \"credsStore\": \"other\", " + auths + "}");
        assertEquals("file", user(HOST));

        // peel, unlike docker, uses an auths entry the store does not have: the user put it there.
        write(dockerConfig(), "{\"credsStore\": \"other\", " + auths + "}");
        Files.delete(store.resolve("docker-credential-other").resolve(hex(HOST)));
        assertEquals("file", user(HOST));
    }

    private static String hex(String s) {
        StringBuilder key = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            key.append(String.format("%02x", b));
        }
        return key.toString();
    }

    @Test
    void helperFailuresAreClearErrorsWithoutTheSecret() throws IOException {
        write(dockerConfig(), "{\"credsStore\": \"test\"}");
        Path dir = Files.createDirectories(store.resolve("docker-credential-test"));
        Files.writeString(dir.resolve("fail-get"), "gpg: decryption failed: No secret key\n");
        CredentialsException get = assertThrows(CredentialsException.class, () -> credentials().find(HOST));
        assertEquals("docker-credential-test (credsStore in " + dockerConfig() + ") failed to get credentials for "
                + HOST + ": exit 3: gpg: decryption failed: No secret key", get.getMessage());

        // The helper echoes its input (the secret) on stdout and names it on stderr: neither reaches the message.
        Files.writeString(dir.resolve("fail-store"), "refusing secret " + SECRET + "\n");
        CredentialsException put = assertThrows(CredentialsException.class,
                () -> credentials().login(HOST, Credential.basic("alice", SECRET)));
        assertFalse(put.getMessage().contains(SECRET), put.getMessage());
        assertTrue(put.getMessage().startsWith("docker-credential-test (credsStore in " + dockerConfig()
                + ") failed to store credentials for " + HOST + ": exit 3"), put.getMessage());

        Files.writeString(dir.resolve("sleep"), "");
        CredentialsException slow = assertThrows(CredentialsException.class,
                () -> credentials().withHelperTimeout(Duration.ofMillis(500)).find(HOST));
        assertTrue(slow.getMessage().contains("did not answer \"get\" within"), slow.getMessage());

        write(dockerConfig(), "{\"credHelpers\": {\"" + HOST + "\": \"missing\"}}");
        CredentialsException missing = assertThrows(CredentialsException.class, () -> credentials().find(HOST));
        assertEquals("credential helper docker-credential-missing (credHelpers in " + dockerConfig()
                + ") is not on PATH; install it or remove that setting from the file", missing.getMessage());

        write(dockerConfig(), "{\"credsStore\": \"../test\"}");
        assertThrows(CredentialsException.class, () -> credentials().find(HOST), "a helper name is not a path");
    }

    @Test
    void loginKeepsEveryOtherKeyAndWritesTheFilePrivately() throws IOException {
        write(dockerConfig(), """
                {
                  "auths": {
                    "https://registry.example": {"auth": "%s"},
                    "other.example": {"auth": "%s", "email": "o@example"}
                  },
                  "proxies": {"default": {"httpProxy": "http://proxy.example:3128"}},
                  "currentContext": "rootless",
                  "x-unknown": [1, 2.5, true, null, {"nested": "kept"}]
                }
                """.formatted(auth("stale", "p"), auth("o", "p")));
        Map<String, Object> before = Json.parseObject(Files.readAllBytes(dockerConfig()));

        credentials().login(HOST, Credential.basic("alice", SECRET));

        Map<String, Object> after = Json.parseObject(Files.readAllBytes(dockerConfig()));
        assertEquals(Map.of(HOST, Map.of("auth", auth("alice", SECRET)), "other.example",
                Json.obj(before, "auths").get("other.example")), after.get("auths"),
                "the old spelling of the same registry is replaced, the other registry kept");
        for (String key : List.of("proxies", "currentContext", "x-unknown")) {
            assertEquals(new String(Json.write(before.get(key)), StandardCharsets.UTF_8),
                    new String(Json.write(after.get(key)), StandardCharsets.UTF_8), key);
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dockerConfig())));
        try (Stream<Path> files = Files.list(dockerConfig().getParent())) {
            assertEquals(List.of(dockerConfig()), files.toList(), "no temp file left");
        }
        assertEquals(Optional.of(Credential.basic("alice", SECRET)), credentials().find(HOST));

        // A first login creates the directory 0700 and docker's Docker Hub key.
        Path fresh = tmp.resolve("fresh/docker");
        env.put("DOCKER_CONFIG", fresh.toString());
        credentials().login("registry-1.docker.io", Credential.identityToken("bob", "refresh"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        assertEquals(Map.of("auths", Map.of("https://index.docker.io/v1/",
                Map.of("auth", auth("bob", ""), "identitytoken", "refresh"))),
                Json.parseObject(Files.readAllBytes(fresh.resolve("config.json"))));
        assertEquals(Optional.of(new Credential("bob", "refresh", true)), credentials().find("docker.io"));
    }

    @Test
    void loginStoresThroughTheConfiguredHelperAsDockerDoes() throws IOException {
        write(dockerConfig(), "{\"credsStore\": \"other\", \"credHelpers\": {\"" + HOST + "\": \"test\"}}");
        credentials().login(HOST, Credential.basic("alice", SECRET));
        credentials().login("docker.io", Credential.basic("hubber", "hub-pass"));
        assertEquals(List.of("store " + HOST), calls("test"));
        assertEquals(List.of("store https://index.docker.io/v1/"), calls("other"));
        String file = Files.readString(dockerConfig());
        assertFalse(file.contains(SECRET) || file.contains("hub-pass"), file);
        assertEquals(Map.of(HOST, Map.of(), "https://index.docker.io/v1/", Map.of()),
                Json.parseObject(file.getBytes(StandardCharsets.UTF_8)).get("auths"), "docker's empty markers");
        assertEquals(Optional.of(Credential.basic("alice", SECRET)), credentials().find(HOST));
        assertEquals("hubber", user("registry-1.docker.io"));
    }

    @Test
    void loginWritesRegistryAuthFileWhenSetAndFollowsASymlinkedConfig() throws IOException {
        Path authFile = tmp.resolve("auth/auth.json");
        env.put("REGISTRY_AUTH_FILE", authFile.toString());
        credentials().login(HOST, Credential.basic("ci", "p"));
        assertTrue(Files.exists(authFile));
        assertFalse(Files.exists(dockerConfig()));
        env.remove("REGISTRY_AUTH_FILE");

        Path real = write(tmp.resolve("dotfiles/docker.json"), "{\"currentContext\": \"x\"}");
        Files.createDirectories(dockerConfig().getParent());
        Files.createSymbolicLink(dockerConfig(), real);
        credentials().login(HOST, Credential.basic("linked", "p"));
        assertTrue(Files.isSymbolicLink(dockerConfig()), "the link stays a link");
        assertTrue(Files.readString(real).contains(auth("linked", "p")));
    }

    @Test
    void logoutRemovesEveryEntryOrErasesThroughTheHelper() throws IOException {
        write(dockerConfig(), "{\"auths\": {"
                + "\"registry.example\": {\"auth\": \"" + auth("a", "p") + "\"},"
                + "\"https://registry.example/v1/\": {\"auth\": \"" + auth("b", "p") + "\"},"
                + "\"registry.example/team\": {\"auth\": \"" + auth("team", "p") + "\"},"
                + "\"other.example\": {\"auth\": \"" + auth("o", "p") + "\"}}, \"psFormat\": \"table\"}");
        assertTrue(credentials().logout("https://registry.example"));
        assertEquals(Optional.empty(), credentials().find(HOST));
        assertEquals("team", credentials().find(HOST, "team/app").orElseThrow().username(),
                "a repository's own entry is not the registry's");
        assertEquals("o", user("other.example"));
        assertEquals("table", Json.parseObject(Files.readAllBytes(dockerConfig())).get("psFormat"));
        assertFalse(credentials().logout(HOST), "nothing left to remove");

        write(dockerConfig(), "{\"credsStore\": \"test\"}");
        credentials().login("index.docker.io", Credential.basic("hub", "p"));
        assertTrue(credentials().logout("registry-1.docker.io"));
        assertEquals(Optional.empty(), credentials().find("docker.io"));
        assertEquals(Map.of(), Json.obj(Json.parseObject(Files.readAllBytes(dockerConfig())), "auths"),
                "docker's empty marker goes too");
        assertTrue(calls("test").contains("erase https://index.docker.io/v1/"), calls("test").toString());
        assertFalse(credentials().logout("docker.io"));
        assertFalse(Credentials.fromEnvironment(env, tmp.resolve("nobody")).logout(HOST), "no file, nothing to do");
    }

    @Test
    void malformedJsonNamesTheFileLineAndColumn() throws IOException {
        write(dockerConfig(), "{\n  \"auths\": {\n    \"registry.example\": {\"auth\": \"x\",}\n  }\n}\n");
        CredentialsException e = assertThrows(CredentialsException.class, () -> credentials().find(HOST));
        assertEquals(dockerConfig() + ":3:38: malformed JSON (expected a key); fix or remove the file", e.getMessage());
        // The same holds for login, which must not overwrite a file it cannot read.
        assertThrows(CredentialsException.class, () -> credentials().login(HOST, Credential.basic("a", "b")));
        assertTrue(Files.readString(dockerConfig()).contains("\"x\",}"));

        write(dockerConfig(), "[]");
        assertEquals(dockerConfig() + ": not a JSON object; fix or remove the file",
                assertThrows(CredentialsException.class, () -> credentials().find(HOST)).getMessage());
        write(dockerConfig(), "{\"auths\": []}");
        assertEquals(dockerConfig() + ": \"auths\" is not an object",
                assertThrows(CredentialsException.class, () -> credentials().find(HOST)).getMessage());
        write(dockerConfig(), "  \n");
        assertEquals(Optional.empty(), credentials().find(HOST), "an empty file is an empty configuration, as in docker");
    }

    @Test
    void theSecretNeverAppearsInMessagesOrToString() throws IOException {
        assertEquals("Credential[user=alice, secret=***]", Credential.basic("alice", SECRET).toString());
        assertFalse(new Credential("t", SECRET, true).toString().contains(SECRET));

        List<String> messages = new ArrayList<>();
        Path dir = Files.createDirectories(store.resolve("docker-credential-test"));
        List<String> configs = List.of(
                // The secret where JSON expects a value, a number that is almost one, a broken escape near it.
                "{\"auths\": {\"" + HOST + "\": {\"password\": " + SECRET + "}}}",
                "{\"auths\": {\"" + HOST + "\": {\"username\": \"u\", \"password\": 12345e5e}}}",
                "{\"auths\": {\"" + HOST + "\": {\"password\": \"" + SECRET + "\\q\"}}}",
                "{\"auths\": {\"" + HOST + "\": {\"auth\": \"" + SECRET + "\"}}}",
                "{\"auths\": {\"" + HOST + "\": {\"auth\": \""
                        + Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)) + "\"}}}",
                "{\"auths\": {\"" + HOST + "\": {\"auth\": 1, \"password\": \"" + SECRET + "\"}}}");
        for (String config : configs) {
            write(dockerConfig(), config);
            messages.add(assertThrows(CredentialsException.class, () -> credentials().find(HOST)).getMessage());
        }
        write(dockerConfig(), "{\"credsStore\": \"test\"}");
        Files.writeString(dir.resolve("fail-store"), SECRET + "\n");
        messages.add(assertThrows(CredentialsException.class,
                () -> credentials().login(HOST, Credential.basic("alice", SECRET))).getMessage());
        Files.writeString(dir.resolve("fail-erase"), "{\"ServerURL\":\"" + HOST + "\",\"Secret\":\"" + SECRET + "\"}\n");
        messages.add(assertThrows(CredentialsException.class, () -> credentials().logout(HOST)).getMessage());
        // A helper that fails but prints the credential anyway, and one that answers with broken JSON holding it.
        Files.writeString(dir.resolve("fail-get"), "{\"Username\":\"u\",\"Secret\":\"" + SECRET + "\"}\n");
        messages.add(assertThrows(CredentialsException.class, () -> credentials().find(HOST)).getMessage());
        Files.delete(dir.resolve("fail-get"));
        helperHas("test", HOST, "u", SECRET + "\"broken");
        messages.add(assertThrows(CredentialsException.class, () -> credentials().find(HOST)).getMessage());
        Files.writeString(dir.resolve("sleep"), "");
        messages.add(assertThrows(CredentialsException.class,
                () -> credentials().withHelperTimeout(Duration.ofMillis(300)).login(HOST, Credential.basic("a", SECRET)))
                .getMessage());

        assertEquals(11, messages.size());
        for (String m : messages) {
            assertFalse(m.contains(SECRET) || m.contains("12345"), m);
        }
    }
}
