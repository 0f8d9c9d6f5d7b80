package dev.peel.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.peel.oci.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Docker token-auth issuer for tests: the "realm" a registry started with
 * {@link RegistryServer#startWithToken} sends clients to. Users and their grants are set by the test;
 * tokens are ES256 JWTs whose {@code x5c} certificate is the registry's {@code rootcertbundle}.
 *
 * <p>Like real issuers it grants the requested actions that are allowed and silently drops the rest, so
 * a client asking for more than it may do gets a token and then a 401 {@code insufficient_scope} from
 * the registry. Only {@code GET /token} is served (the OAuth2 POST form is not).
 */
public final class TokenServer implements AutoCloseable {
    private static final String SERVICE = "peel-test-registry";
    private static final String ISSUER = "peel-test-token-issuer";

    private record Grant(String user, Pattern repo, Set<String> actions) {
    }

    private final HttpServer http;
    private final PrivateKey key;
    private final String certificate;
    private final Path rootCertBundle;
    private final Map<String, String> passwords = new ConcurrentHashMap<>();
    private final List<Grant> grants = new CopyOnWriteArrayList<>();
    private final List<Pattern> publicRepos = new CopyOnWriteArrayList<>();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    private volatile int lifetime = 300;

    private TokenServer(HttpServer http, PrivateKey key, String certificate, Path rootCertBundle) {
        this.http = http;
        this.key = key;
        this.certificate = certificate;
        this.rootCertBundle = rootCertBundle;
    }

    /** Makes a fresh P-256 key and self-signed certificate in {@code dir} and serves on 127.0.0.1. */
    public static TokenServer start(Path dir) throws IOException, InterruptedException {
        String openssl = Tools.require("openssl");
        Path keyPem = dir.resolve("token-key.pem");
        Path certPem = dir.resolve("token-cert.pem");
        // openssl rather than a certificate library: the JDK has no public API to sign a certificate.
        Tools.run(List.of(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "2", "-subj", "/CN=" + ISSUER, "-keyout", keyPem.toString(),
                "-out", certPem.toString()), null, Map.of(), 60).ok();
        PrivateKey key;
        String certificate;
        try {
            key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pemBody(keyPem)));
            certificate = Base64.getEncoder().encodeToString(CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certPem))).getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IOException("openssl wrote a key or certificate the JDK cannot read", e);
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        TokenServer server = new TokenServer(http, key, certificate, certPem);
        http.createContext("/token", server::handle);
        http.start();
        return server;
    }

    /** Lets {@code user} (with this password) do {@code actions} on repositories matching the glob ({@code *} is any text). */
    public TokenServer grant(String user, String password, String repoGlob, Set<String> actions) {
        String known = passwords.putIfAbsent(user, password);
        if (known != null && !known.equals(password)) {
            throw new IllegalArgumentException("user " + user + " already has another password");
        }
        grants.add(new Grant(user, glob(repoGlob), Set.copyOf(actions)));
        return this;
    }

    /** Lets anyone, even without credentials, pull repositories matching the glob. */
    public TokenServer makePublic(String repoGlob) {
        publicRepos.add(glob(repoGlob));
        return this;
    }

    /**
     * Lifetime of tokens issued from now on ({@code expires_in} and {@code exp}). Distribution accepts a
     * token up to 60 s past {@code exp} (clock-skew leeway), so a short lifetime shows in what a client
     * does about {@code expires_in}, not in the registry refusing the token.
     */
    public void setTokenLifetime(int seconds) {
        lifetime = seconds;
    }

    /** Where clients fetch tokens: {@code http://127.0.0.1:PORT/token}. */
    public URI realm() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/token");
    }

    /** The service name the registry announces and the tokens' audience. */
    public String service() {
        return SERVICE;
    }

    /** The tokens' {@code iss}, which the registry must trust. */
    public String issuer() {
        return ISSUER;
    }

    /** PEM certificate of the signing key, for the registry's {@code rootcertbundle}. */
    public Path rootCertBundle() {
        return rootCertBundle;
    }

    /** Requests made to the token endpoint so far, refused ones included. */
    public int tokenRequests() {
        return tokenRequests.get();
    }

    /** Every token handed out, oldest first (so a test can check that none leaks into logs or output). */
    public List<String> tokensIssued() {
        return List.copyOf(issued);
    }

    @Override
    public void close() {
        http.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            tokenRequests.incrementAndGet();
            if (!"GET".equals(exchange.getRequestMethod())) {
                send(exchange, 405, Map.of("details", "only GET is served"));
                return;
            }
            Map<String, List<String>> query = query(exchange.getRequestURI().getRawQuery());
            List<String> service = query.getOrDefault("service", List.of());
            if (!service.isEmpty() && !service.equals(List.of(SERVICE))) {
                // A client must echo the service of the registry's challenge; anything else is its bug.
                send(exchange, 400, Map.of("details", "unknown service " + service));
                return;
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String user = authorization == null ? "" : basicUser(authorization);
            if (user == null) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"" + ISSUER + "\"");
                send(exchange, 401, Map.of("details", "bad credentials"));
                return;
            }
            Map<String, Set<String>> access = new LinkedHashMap<>();
            for (String value : query.getOrDefault("scope", List.of())) {
                // Scopes come as repeated parameters or space-separated in one.
                for (String scope : value.trim().split(" +")) {
                    addGranted(user, scope, access);
                }
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            String token = sign(user, access, now);
            issued.add(token);
            send(exchange, 200, Map.of("token", token, "access_token", token, "expires_in", lifetime,
                    "issued_at", now.toString()));
        }
    }

    /** The user of a valid Basic header, or null. */
    private String basicUser(String authorization) {
        if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = pair.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String user = pair.substring(0, colon);
        return pair.substring(colon + 1).equals(passwords.get(user)) ? user : null;
    }

    private void addGranted(String user, String scope, Map<String, Set<String>> access) {
        int first = scope.indexOf(':');
        int last = scope.lastIndexOf(':');
        if (first < 0 || first == last || !scope.substring(0, first).equals("repository")) {
            return;
        }
        String name = scope.substring(first + 1, last);
        Set<String> allowed = new LinkedHashSet<>();
        if (publicRepos.stream().anyMatch(p -> p.matcher(name).matches())) {
            allowed.add("pull");
        }
        for (Grant g : grants) {
            if (g.user().equals(user) && g.repo().matcher(name).matches()) {
                allowed.addAll(g.actions());
            }
        }
        for (String action : scope.substring(last + 1).split(",")) {
            if (allowed.contains(action)) {
                access.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(action);
            }
        }
    }

    private String sign(String user, Map<String, Set<String>> access, Instant now) throws IOException {
        List<Object> accessClaim = new ArrayList<>();
        access.forEach((name, actions) -> accessClaim.add(
                Map.of("type", "repository", "name", name, "actions", List.copyOf(actions))));
        long iat = now.getEpochSecond();
        Map<String, Object> header = Map.of("typ", "JWT", "alg", "ES256", "x5c", List.of(certificate));
        // aud is a string: distribution 2.8 decodes it into a string and rejects an array.
        Map<String, Object> claims = Map.of("iss", ISSUER, "sub", user, "aud", SERVICE, "exp", iat + lifetime,
                "nbf", iat, "iat", iat, "jti", UUID.randomUUID().toString(), "access", accessClaim);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(Json.write(header)) + "." + b64.encodeToString(Json.write(claims));
        try {
            // JWS wants the signature as raw R||S (RFC 7518 3.4); the P1363 form is exactly that.
            Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
            signature.initSign(key);
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign a token", e);
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = Json.write(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static Pattern glob(String glob) {
        return Pattern.compile(Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote)
                .collect(Collectors.joining(".*")));
    }

    private static byte[] pemBody(Path pem) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "");
        return Base64.getMimeDecoder().decode(text);
    }
}
