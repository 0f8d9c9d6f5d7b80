package dev.peel.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * A real registry for integration tests: Debian's {@code docker-registry} (distribution 2.8) on
 * 127.0.0.1 at a free port, storing in a directory the test owns, with deletes enabled. Every HTTP
 * request it answers can be read back from its access log with {@link #requests()}.
 */
public final class RegistryServer implements AutoCloseable {
    /** One request the registry answered; {@code uri} is the request URI as sent, query included. */
    public record Request(String method, String uri, int status) {
    }

    // The access log (gorilla's combined format, on stdout) has a line for every request; the
    // application log's "response completed" lines miss requests refused by auth and unrouted paths.
    private static final Pattern ACCESS_LINE =
            Pattern.compile("^\\S+ \\S+ \\S+ \\[[^\\]]*\\] \"(\\S+) (\\S+) [^\"]*\" (\\d{3}) ");
    private static final String SYNC_PATH = "/peel-test-sync/";
    private static final int START_ATTEMPTS = 5;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final int port;
    private final Path storage;
    private final Path home;
    private final AtomicLong syncs = new AtomicLong();
    private volatile int baseline;

    private RegistryServer(Process process, int port, Path storage, Path home) {
        this.process = process;
        this.port = port;
        this.storage = storage;
        this.home = home;
    }

    /** A registry anyone may push to and pull from, storing under {@code dir}. */
    public static RegistryServer start(Path dir) throws IOException, InterruptedException {
        return launch(dir, home -> "");
    }

    /** A registry that wants HTTP Basic credentials {@code user}:{@code password} for everything. */
    public static RegistryServer startWithHtpasswd(Path dir, String user, String password)
            throws IOException, InterruptedException {
        return launch(dir, home -> {
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            // Cost 5 is what htpasswd -B uses; the registry checks the hash on every request.
            Path htpasswd = Files.writeString(home.resolve("htpasswd"),
                    user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5) + "\n");
            return "auth:\n  htpasswd:\n    realm: peel-test\n    path: " + yaml(htpasswd.toString()) + "\n";
        });
    }

    /** A registry that sends clients to {@code issuer} for tokens and trusts only its certificate. */
    public static RegistryServer startWithToken(Path dir, TokenServer issuer) throws IOException, InterruptedException {
        return launch(dir, home -> "auth:\n  token:\n"
                + "    realm: " + yaml(issuer.realm().toString()) + "\n"
                + "    service: " + yaml(issuer.service()) + "\n"
                + "    issuer: " + yaml(issuer.issuer()) + "\n"
                + "    rootcertbundle: " + yaml(issuer.rootCertBundle().toString()) + "\n");
    }

    /**
     * A registry serving HTTPS with a self-signed certificate for 127.0.0.1 that openssl makes in {@code certDir}
     * ({@code ca.pem}: the certificate clients must trust).
     */
    public static RegistryServer startWithTls(Path dir, Path certDir) throws IOException, InterruptedException {
        Files.createDirectories(certDir);
        Path cert = certDir.resolve("ca.pem");
        Path key = certDir.resolve("key.pem");
        Tools.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1"), null, java.util.Map.of(), 60).ok();
        // Indented: these lines continue the config's http section, which comes last.
        return launch(dir, home -> "  tls:\n    certificate: " + yaml(cert.toString()) + "\n    key: " + yaml(key.toString()) + "\n");
    }

    /** {@code 127.0.0.1:PORT}, as in image references. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    /** {@code http://127.0.0.1:PORT}. */
    public URI url() {
        return URI.create("http://" + host());
    }

    /** The storage root the test gave (blobs are under {@code docker/registry/v2}). */
    public Path storage() {
        return storage;
    }

    /** The registry's application log so far (errors, auth decisions), for failure messages. */
    public String log() throws IOException {
        return Files.readString(home.resolve("registry.log"), StandardCharsets.UTF_8);
    }

    /** Requests answered since start or the last {@link #clearRequests()}, oldest first. */
    public List<Request> requests() throws IOException, InterruptedException {
        List<Request> all = allRequests();
        return List.copyOf(all.subList(Math.min(baseline, all.size()), all.size()));
    }

    /** Forgets the requests so far, so a test can count what one step did. */
    public void clearRequests() throws IOException, InterruptedException {
        baseline = allRequests().size();
    }

    /** How many of {@link #requests()} have this method and a URI the regex matches whole. */
    public long count(String method, String uriRegex) throws IOException, InterruptedException {
        Pattern uri = Pattern.compile(uriRegex);
        return requests().stream().filter(r -> r.method().equals(method) && uri.matcher(r.uri()).matches()).count();
    }

    /** Stops the registry (TERM, then KILL) and removes its config and logs; the storage stays. */
    @Override
    public void close() {
        try {
            stop(process);
        } finally {
            deleteTree(home);
        }
    }

    private interface AuthConfig {
        String yaml(Path home) throws IOException;
    }

    private static RegistryServer launch(Path storage, AuthConfig auth) throws IOException, InterruptedException {
        String registry = Tools.require("docker-registry");
        Files.createDirectories(storage);
        Path home = Files.createTempDirectory("peel-registry-");
        RegistryServer server = null;
        try {
            String authYaml = auth.yaml(home);
            String failures = "";
            // The port is free when chosen but another process may take it before the registry binds.
            for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
                int port = freePort();
                Path config = Files.writeString(home.resolve("config.yml"), config(storage, port) + authYaml);
                ProcessBuilder pb = new ProcessBuilder(registry, "serve", config.toString())
                        .redirectOutput(home.resolve("access.log").toFile())
                        .redirectError(home.resolve("registry.log").toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                // REGISTRY_* variables override the config file; the test's config must be the whole truth.
                pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_"));
                server = new RegistryServer(pb.start(), port, storage, home);
                String log = server.awaitListening();
                if (log == null) {
                    return server;
                }
                if (!log.contains("address already in use")) {
                    fail("docker-registry did not start; its log:\n" + log);
                }
                failures += log;
            }
            fail("docker-registry found no free port in " + START_ATTEMPTS + " attempts; its logs:\n" + failures);
            return null;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            if (server != null) {
                stop(server.process);
            }
            deleteTree(home);
            throw e;
        }
    }

    /** Null once the registry listens; its log when it exited before that. */
    private String awaitListening() throws IOException, InterruptedException {
        // The registry binds its socket before it logs this line, so a connect right after cannot be refused.
        String listening = "listening on 127.0.0.1:" + port;
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            String log = log();
            if (log.contains(listening)) {
                return null;
            }
            if (!process.isAlive()) {
                return log;
            }
            if (System.nanoTime() > deadline) {
                fail("docker-registry did not listen within " + START_TIMEOUT.toSeconds() + " s; its log:\n" + log());
            }
            // Returns at once when the process exits; otherwise a short pause before reading the log again.
            process.waitFor(20, TimeUnit.MILLISECONDS);
        }
    }

    private static String config(Path storage, int port) {
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        return "version: 0.1\n"
                + "log:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + yaml(storage.toString()) + "\n"
                + "  delete:\n    enabled: true\n"
                // The purger would remove uploads a test left open on purpose, at a time of its choosing.
                + "  maintenance:\n    uploadpurging:\n      enabled: false\n"
                // A fixed secret stops the warning about a generated one; uploads never cross instances here.
                + "http:\n  addr: " + yaml("127.0.0.1:" + port) + "\n  secret: " + HexFormat.of().formatHex(secret) + "\n";
    }

    /**
     * Every request in the access log. A request is logged after its handler returns, just before the
     * server flushes the rest of the response, so a client may hold a whole response a moment before its
     * line is written. One more request, whose small answer is only flushed after its own line, is made
     * and waited for: by then the lines of the responses the test already has are written.
     */
    private List<Request> allRequests() throws IOException, InterruptedException {
        String marker = SYNC_PATH + syncs.incrementAndGet();
        HTTP.send(HttpRequest.newBuilder(url().resolve(marker)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            List<Request> out = new ArrayList<>();
            boolean synced = false;
            for (Request r : parse(Files.readString(home.resolve("access.log"), StandardCharsets.UTF_8))) {
                if (r.uri().startsWith(SYNC_PATH)) {
                    synced |= r.uri().equals(marker);
                } else {
                    out.add(r);
                }
            }
            if (synced) {
                return out;
            }
            if (System.nanoTime() > deadline || !process.isAlive()) {
                fail("the registry's access log never showed " + marker + "; its log:\n" + log());
            }
            process.waitFor(10, TimeUnit.MILLISECONDS);
        }
    }

    private static List<Request> parse(String log) {
        List<Request> out = new ArrayList<>();
        // A last line without its newline is still being written.
        int end = log.lastIndexOf('\n');
        for (String line : log.substring(0, end + 1).split("\n")) {
            Matcher m = ACCESS_LINE.matcher(line);
            if (m.find()) {
                out.add(new Request(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
            }
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void stop(Process process) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A double-quoted YAML scalar. */
    private static String yaml(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Leftovers in the temp directory are harmless; the test's outcome must not depend on them.
        }
    }
}
