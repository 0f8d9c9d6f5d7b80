package dev.peel.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry fixtures against plain HTTP and skopeo, so peel's own client is tested against known-good servers. */
class RegistryServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    @Test
    void anonymousRegistryAnswersAndLogsEveryRequest(@TempDir Path dir) throws Exception {
        try (RegistryServer registry = RegistryServer.start(dir)) {
            assertEquals(200, get(registry.url().resolve("/v2/"), null).statusCode());
            assertEquals(404, get(registry.url().resolve("/v2/t/x/manifests/v1"), null).statusCode());
            assertEquals(List.of(new RegistryServer.Request("GET", "/v2/", 200),
                    new RegistryServer.Request("GET", "/v2/t/x/manifests/v1", 404)), registry.requests());

            registry.clearRequests();
            assertEquals(List.of(), registry.requests());
            get(registry.url().resolve("/v2/"), null);
            assertEquals(1, registry.count("GET", "/v2/"));
            assertEquals(0, registry.count("GET", "/v2/t/.*"));
        }
    }

    @Test
    void htpasswdRegistryWantsBasicCredentials(@TempDir Path dir) throws Exception {
        try (RegistryServer registry = RegistryServer.startWithHtpasswd(dir, "alice", "s3cret")) {
            HttpResponse<byte[]> anonymous = get(registry.url().resolve("/v2/"), null);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic "));
            assertEquals(200, get(registry.url().resolve("/v2/"), basic("alice", "s3cret")).statusCode());
            assertEquals(401, get(registry.url().resolve("/v2/"), basic("alice", "wrong")).statusCode());
            // Refusals are in the access log too (the application log has no line for them).
            assertEquals(List.of(401, 200, 401), registry.requests().stream().map(RegistryServer.Request::status).toList());
        }
    }

    @Test
    void tokenRegistryTakesPushesWithAGrantedToken(@TempDir Path dir) throws Exception {
        try (TokenServer issuer = TokenServer.start(dir)
                .grant("alice", "pw-a", "t/*", Set.of("pull", "push"))
                .grant("bob", "pw-b", "t/*", Set.of("pull"));
                RegistryServer registry = RegistryServer.startWithToken(dir, issuer)) {
            HttpResponse<byte[]> challenged = get(registry.url().resolve("/v2/"), null);
            assertEquals(401, challenged.statusCode());
            String challenge = challenged.headers().firstValue("WWW-Authenticate").orElseThrow();
            assertTrue(challenge.startsWith("Bearer "), challenge);
            Map<String, String> params = challengeParams(challenge);
            assertEquals(issuer.realm().toString(), params.get("realm"));
            assertEquals(issuer.service(), params.get("service"));

            assertEquals(401, tokenResponse(issuer, "t/x", basic("alice", "wrong")).statusCode());

            String alice = token(issuer, "t/x", basic("alice", "pw-a"));
            assertEquals(List.of("pull", "push"), grantedActions(alice));
            byte[] blob = "a blob for the fixture".getBytes(StandardCharsets.UTF_8);
            registry.clearRequests();
            assertEquals(201, uploadBlob(registry, "t/x", blob, alice));
            assertEquals(1, registry.count("PUT", "/v2/t/x/blobs/uploads/.*"));
            assertTrue(registry.requests().contains(new RegistryServer.Request("POST", "/v2/t/x/blobs/uploads/", 202)));
            assertEquals(200, head(registry.url().resolve("/v2/t/x/blobs/" + digest(blob)), alice).statusCode());

            // Like real issuers, the token for bob just leaves push out; the registry then refuses the upload.
            String bob = token(issuer, "t/x", basic("bob", "pw-b"));
            assertEquals(List.of("pull"), grantedActions(bob));
            HttpResponse<byte[]> refused = post(registry.url().resolve("/v2/t/x/blobs/uploads/"), bearer(bob));
            assertTrue(refused.statusCode() == 401 || refused.statusCode() == 403, "status " + refused.statusCode());
            assertTrue(refused.headers().firstValue("WWW-Authenticate").orElse("").contains("insufficient_scope"));
            assertEquals(200, head(registry.url().resolve("/v2/t/x/blobs/" + digest(blob)), bob).statusCode());

            assertEquals(3, issuer.tokenRequests());
            assertEquals(List.of(alice, bob), issuer.tokensIssued());
        }
    }

    @Test
    void anonymousTokensPullOnlyPublicRepositories(@TempDir Path dir) throws Exception {
        try (TokenServer issuer = TokenServer.start(dir).makePublic("pub/*");
                RegistryServer registry = RegistryServer.startWithToken(dir, issuer)) {
            String open = token(issuer, "pub/y", null);
            assertEquals(List.of("pull"), grantedActions(open));
            // Authorized, so the registry gets to say the repository does not exist.
            assertEquals(404, get(registry.url().resolve("/v2/pub/y/tags/list"), bearer(open)).statusCode());
            String closed = token(issuer, "t/x", null);
            assertEquals(List.of(), grantedActions(closed));
            assertEquals(401, get(registry.url().resolve("/v2/t/x/tags/list"), bearer(closed)).statusCode());
        }
    }

    @Test
    void skopeoReadsImagesPushedOverHttp(@TempDir Path dir) throws Exception {
        String skopeo = Tools.require("skopeo");
        try (TokenServer issuer = TokenServer.start(dir).grant("alice", "pw-a", "*", Set.of("pull", "push"));
                RegistryServer anonymous = RegistryServer.start(dir.resolve("anonymous"));
                RegistryServer tokens = RegistryServer.startWithToken(dir.resolve("tokens"), issuer)) {
            pushImage(anonymous, "t/x", "v1", null);
            Tools.Run run = Tools.run(List.of(skopeo, "inspect", "--tls-verify=false",
                    "docker://" + anonymous.host() + "/t/x:v1"), null, Map.of(), 60).ok();
            assertTrue(run.out().contains("\"Architecture\": \"amd64\""), run.out());

            pushImage(tokens, "t/x", "v1", token(issuer, "t/x", basic("alice", "pw-a")));
            int before = issuer.tokenRequests();
            run = Tools.run(List.of(skopeo, "inspect", "--tls-verify=false", "--creds", "alice:pw-a",
                    "docker://" + tokens.host() + "/t/x:v1"), null, Map.of(), 60).ok();
            assertTrue(run.out().contains("\"Architecture\": \"amd64\""), run.out());
            assertTrue(issuer.tokenRequests() > before, "skopeo fetched its token from the issuer");
        }
    }

    /** Pushes a one-config, no-layer OCI image with plain HTTP. */
    private static void pushImage(RegistryServer registry, String repo, String tag, String token) throws Exception {
        byte[] config = Json.write(Map.of("architecture", "amd64", "os", "linux",
                "rootfs", Map.of("type", "layers", "diff_ids", List.of())));
        assertEquals(201, uploadBlob(registry, repo, config, token));
        byte[] manifest = Json.write(Map.of("schemaVersion", 2, "mediaType", "application/vnd.oci.image.manifest.v1+json",
                "config", Map.of("mediaType", "application/vnd.oci.image.config.v1+json", "digest", digest(config),
                        "size", config.length),
                "layers", List.of()));
        HttpRequest.Builder put = HttpRequest.newBuilder(registry.url().resolve("/v2/" + repo + "/manifests/" + tag))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest));
        HttpResponse<byte[]> response = send(put, bearer(token));
        assertEquals(201, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
    }

    /** A monolithic upload: POST for a session, then PUT the bytes with their digest. Returns the PUT's status. */
    private static int uploadBlob(RegistryServer registry, String repo, byte[] blob, String token) throws Exception {
        HttpResponse<byte[]> session = post(registry.url().resolve("/v2/" + repo + "/blobs/uploads/"), bearer(token));
        assertEquals(202, session.statusCode(), new String(session.body(), StandardCharsets.UTF_8));
        String location = registry.url().resolve(session.headers().firstValue("Location").orElseThrow()).toString();
        URI target = URI.create(location + (location.contains("?") ? "&" : "?") + "digest=" + digest(blob));
        HttpRequest.Builder put = HttpRequest.newBuilder(target).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob));
        return send(put, bearer(token)).statusCode();
    }

    private static HttpResponse<byte[]> tokenResponse(TokenServer issuer, String repo, String authorization)
            throws IOException, InterruptedException {
        URI uri = URI.create(issuer.realm() + "?service=" + issuer.service() + "&scope=repository:" + repo + ":pull,push");
        return get(uri, authorization);
    }

    private static String token(TokenServer issuer, String repo, String authorization)
            throws IOException, InterruptedException {
        HttpResponse<byte[]> response = tokenResponse(issuer, repo, authorization);
        assertEquals(200, response.statusCode());
        Map<String, Object> body = Json.parseObject(response.body());
        assertEquals(Json.str(body, "token"), Json.str(body, "access_token"));
        assertEquals(300, Json.num(body, "expires_in"));
        assertNotNull(Json.str(body, "issued_at"));
        return Json.str(body, "token");
    }

    /** The actions a token's {@code access} claim grants, over all its entries. */
    private static List<Object> grantedActions(String jwt) {
        Map<String, Object> claims = Json.parseObject(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
        return Json.arr(claims, "access").stream()
                .flatMap(a -> Json.arr(castMap(a), "actions").stream()).sorted().toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, String> challengeParams(String challenge) {
        Map<String, String> out = new HashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private static String bearer(String token) {
        return token == null ? null : "Bearer " + token;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String digest(byte[] bytes) throws NoSuchAlgorithmException {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static HttpResponse<byte[]> get(URI uri, String authorization) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).GET(), authorization);
    }

    private static HttpResponse<byte[]> head(URI uri, String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()), bearer(token));
    }

    private static HttpResponse<byte[]> post(URI uri, String authorization) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()), authorization);
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder request, String authorization)
            throws IOException, InterruptedException {
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
