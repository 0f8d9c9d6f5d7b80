package dev.peel.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.peel.testing.FaultProxy.Exchange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The proxy in front of a small JDK HttpServer, driven by the JDK HttpClient peel uses. */
class FaultProxyTest {
    private static final int MB = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What the upstream server got for one request. */
    record Received(String method, String path, Headers headers, byte[] body, boolean complete) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private HttpServer upstream;
    private ExecutorService upstreamThreads;
    private FaultProxy proxy;
    private HttpClient client;

    @BeforeEach
    void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/echo", ex -> {
            Received r = receive(ex);
            if (r.complete()) {
                ex.sendResponseHeaders(200, r.body().length);
                ex.getResponseBody().write(r.body());
            }
            ex.close();
        });
        upstream.createContext("/blob/", ex -> {
            receive(ex);
            int size = size(ex);
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().set("Content-Length", Integer.toString(size));
                ex.sendResponseHeaders(200, -1);
            } else {
                ex.sendResponseHeaders(200, size);
                ex.getResponseBody().write(bytes(size));
            }
            ex.close();
        });
        upstream.createContext("/chunked/", ex -> {
            receive(ex);
            byte[] body = bytes(size(ex));
            ex.sendResponseHeaders(200, 0); // 0 means chunked to HttpServer
            int third = body.length / 3;
            ex.getResponseBody().write(body, 0, third);
            ex.getResponseBody().flush();
            ex.getResponseBody().write(body, third, body.length - third);
            ex.close();
        });
        upstreamThreads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fault-proxy-test-upstream");
            t.setDaemon(true);
            return t;
        });
        upstream.setExecutor(upstreamThreads);
        upstream.start();
        proxy = FaultProxy.start("127.0.0.1:" + upstream.getAddress().getPort());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.stop(0);
        upstreamThreads.shutdownNow();
    }

    @Test
    void passesFiveMegabytesBothWaysOnOneKeptAliveConnection() throws Exception {
        byte[] data = bytes(5 * MB);
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> res = client.send(request("/echo").POST(BodyPublishers.ofByteArray(data)).build(),
                    BodyHandlers.ofByteArray());
            assertEquals(200, res.statusCode());
            assertArrayEquals(data, res.body());
            Received got = next();
            assertTrue(got.complete());
            assertArrayEquals(data, got.body());
            assertEquals(proxy.host(), got.header("Host"), "the Host field passes through");
        }
        assertEquals(1, proxy.connections());
        assertEquals(List.of(new Exchange(1, "POST", "/echo", 200, null), new Exchange(1, "POST", "/echo", 200, null)),
                proxy.exchanges());
    }

    @Test
    void respondsWith503OnlyTheFirstTime() throws Exception {
        FaultProxy.Rule rule = proxy.on("GET", "/blob/.*").first().respond(503, "Retry-After", "1");
        HttpResponse<byte[]> first = client.send(request("/blob/1000").build(), BodyHandlers.ofByteArray());
        assertEquals(503, first.statusCode());
        assertEquals("1", first.headers().firstValue("Retry-After").orElse(null));
        assertEquals(0, first.body().length);
        assertTrue(received.isEmpty(), "a response rule does not forward");

        HttpResponse<byte[]> second = client.send(request("/blob/1000").build(), BodyHandlers.ofByteArray());
        assertEquals(200, second.statusCode());
        assertArrayEquals(bytes(1000), second.body());
        assertEquals(1, rule.fired());
        assertEquals(List.of(new Exchange(1, "GET", "/blob/1000", 503, "respond 503"),
                new Exchange(1, "GET", "/blob/1000", 200, null)), proxy.exchanges());
    }

    @Test
    void answersAnUploadTwiceThenForwardsTheThirdOnTheSameConnection() throws Exception {
        FaultProxy.Rule rule = proxy.on("PUT", "/echo").times(2).respond(503);
        byte[] data = bytes(MB);
        for (int status : new int[] {503, 503, 200}) {
            HttpResponse<byte[]> res = client.send(request("/echo?digest=x").PUT(BodyPublishers.ofByteArray(data))
                    .build(), BodyHandlers.ofByteArray());
            assertEquals(status, res.statusCode());
        }
        assertArrayEquals(data, next().body());
        assertTrue(received.isEmpty(), "only the third try reached the server");
        assertEquals(2, rule.fired());
        assertEquals(1, proxy.connections(), "the unforwarded bodies were read, so the connection stayed usable");
        assertEquals(List.of(true, true, false), proxy.exchanges().stream().map(Exchange::faulted).toList());
        assertEquals("/echo", proxy.exchanges().get(0).path());
        assertEquals(3, proxy.exchanges("PUT", "/ec.*").size());
    }

    @Test
    void respondsWithABodyAndOnlyOnTheNthMatch() throws Exception {
        byte[] json = "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(UTF_8);
        proxy.on("GET", "/blob/.*").nth(2).respond(401, json, "WWW-Authenticate", "Bearer realm=");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<byte[]> res = client.send(request("/blob/10").build(), BodyHandlers.ofByteArray());
            statuses.add(res.statusCode());
            if (res.statusCode() == 401) {
                assertArrayEquals(json, res.body());
                assertEquals("Bearer realm=", res.headers().firstValue("WWW-Authenticate").orElse(null));
            }
        }
        assertEquals(List.of(200, 401, 200), statuses);
    }

    @Test
    void everyFiresOnEachNthMatchOfEitherMethod() throws Exception {
        FaultProxy.Rule rule = proxy.on("PUT|PATCH", "/echo").every(2).respond(503);
        List<Integer> statuses = new ArrayList<>();
        for (String method : new String[] {"PUT", "PATCH", "POST", "PUT", "PATCH", "PUT"}) {
            statuses.add(client.send(request("/echo").method(method, BodyPublishers.ofString("x")).build(),
                    BodyHandlers.ofByteArray()).statusCode());
        }
        assertEquals(List.of(200, 503, 200, 200, 503, 200), statuses, "POST is not counted");
        assertEquals(2, rule.fired());
        assertEquals(5, proxy.exchanges("PUT|PATCH", "/echo").size());
    }

    @Test
    void resetCutsTheConnectionWithoutForwarding() throws Exception {
        proxy.on("POST", "/echo").first().reset();
        assertCut(() -> client.send(request("/echo").POST(BodyPublishers.ofString("x")).build(),
                BodyHandlers.ofByteArray()));
        assertEquals(new Exchange(1, "POST", "/echo", 0, "reset"), proxy.exchanges().get(0));

        HttpResponse<String> res = client.send(request("/echo").POST(BodyPublishers.ofString("y")).build(),
                BodyHandlers.ofString());
        assertEquals("y", res.body());
        assertEquals("y", new String(next().body(), UTF_8), "the reset request never reached the server");
    }

    @Test
    void droppedResponseGivesTheClientAnErrorAndAtMostTheBytesRelayed() throws Exception {
        proxy.on("GET", "/blob/.*").times(2).dropResponseAfter(64 * 1024);
        assertCut(() -> client.send(request("/blob/" + 2 * MB).build(), BodyHandlers.ofByteArray()));

        HttpResponse<InputStream> streamed = client.send(request("/blob/" + 2 * MB).build(),
                BodyHandlers.ofInputStream());
        assertEquals(200, streamed.statusCode());
        assertTrue(bytesBeforeError(streamed.body()) <= 64 * 1024);

        HttpResponse<byte[]> whole = client.send(request("/blob/" + 2 * MB).build(), BodyHandlers.ofByteArray());
        assertArrayEquals(bytes(2 * MB), whole.body());
        List<Exchange> log = proxy.exchanges();
        assertEquals(List.of(200, 200, 200), log.stream().map(Exchange::status).toList());
        assertEquals("dropResponseAfter 65536", log.get(0).fault());
        assertNull(log.get(2).fault());
        assertEquals(3, proxy.connections(), "each cut connection is replaced by a new one");
    }

    @Test
    void truncatedResponseEndsInOrderAfterExactlyTheBytesRelayed() throws Exception {
        proxy.on("GET", ".*").times(2).truncateResponseBody(1000);
        HttpResponse<InputStream> fixed = client.send(request("/blob/" + MB).build(), BodyHandlers.ofInputStream());
        assertEquals(String.valueOf(MB), fixed.headers().firstValue("Content-Length").orElse(null));
        assertEquals(1000, bytesBeforeError(fixed.body()));

        HttpResponse<InputStream> chunked = client.send(request("/chunked/300000").build(),
                BodyHandlers.ofInputStream());
        assertEquals(1000, bytesBeforeError(chunked.body()));
    }

    @Test
    void droppedRequestGivesTheClientAnErrorAndTheServerAShortBody() throws Exception {
        proxy.on("POST", "/echo").first().dropRequestAfter(100_000);
        byte[] data = bytes(5 * MB);
        assertCut(() -> client.send(request("/echo").POST(BodyPublishers.ofByteArray(data)).build(),
                BodyHandlers.ofByteArray()));
        Received cut = next();
        assertFalse(cut.complete());
        assertTrue(cut.body().length <= 100_000, "server got " + cut.body().length + " bytes");
        assertEquals(new Exchange(1, "POST", "/echo", 0, "dropRequestAfter 100000"), proxy.exchanges().get(0));

        HttpResponse<byte[]> retry = client.send(request("/echo").POST(BodyPublishers.ofByteArray(data)).build(),
                BodyHandlers.ofByteArray());
        assertArrayEquals(data, retry.body());
    }

    @Test
    void stallDelaysTheRequest() throws Exception {
        proxy.on("GET", "/blob/.*").first().stall(300);
        long start = System.nanoTime();
        HttpResponse<byte[]> res = client.send(request("/blob/10").build(), BodyHandlers.ofByteArray());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, res.statusCode());
        assertTrue(millis >= 300, "answered after " + millis + " ms");
        assertEquals("stall 300 ms", proxy.exchanges().get(0).fault());
    }

    @Test
    void aStalledRequestTimesOutAtTheClientAndCloseEndsTheStall() throws Exception {
        proxy.on("GET", "/blob/.*").stall(60_000);
        assertThrows(HttpTimeoutException.class, () -> client.send(request("/blob/10")
                .timeout(Duration.ofMillis(200)).build(), BodyHandlers.ofByteArray()));
        long start = System.nanoTime();
        proxy.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "close waited for the stall");
        assertTrue(received.isEmpty(), "a stall ended by close forwards nothing");
    }

    @Test
    void chunkedBodiesPassThroughBothWays() throws Exception {
        byte[] data = bytes(300_000);
        // A publisher of unknown length makes the JDK client send chunks.
        HttpResponse<byte[]> echoed = client.send(request("/echo")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(data))).build(),
                BodyHandlers.ofByteArray());
        assertArrayEquals(data, echoed.body());
        Received got = next();
        assertEquals("chunked", got.header("Transfer-Encoding"));
        assertNull(got.header("Content-Length"));
        assertArrayEquals(data, got.body());

        HttpResponse<byte[]> chunked = client.send(request("/chunked/300000").build(), BodyHandlers.ofByteArray());
        assertArrayEquals(data, chunked.body());
        assertEquals(1, proxy.connections());
    }

    @Test
    void expectContinueIsAnsweredByTheProxy() throws Exception {
        byte[] data = bytes(MB);
        HttpResponse<byte[]> res = client.send(request("/echo").expectContinue(true)
                .POST(BodyPublishers.ofByteArray(data)).build(), BodyHandlers.ofByteArray());
        assertEquals(200, res.statusCode());
        assertArrayEquals(data, res.body());
        assertNull(next().header("Expect"), "the server is not asked to continue a second time");
    }

    @Test
    void rewriteChangesStatusHeadersAndBody() throws Exception {
        String badDigest = "sha256:" + "0".repeat(64);
        proxy.on("GET", "/blob/.*").first().rewrite(r -> {
            r.addHeader("Docker-Content-Digest", badDigest);
            r.replaceBody("{not json".getBytes(UTF_8));
        });
        proxy.on("GET", "/chunked/.*").first().rewrite(r -> {
            byte[] served = r.body();
            r.replaceBody(Arrays.copyOf(served, served.length + 1));
        });
        proxy.on("GET", "/chunked/.*").nth(2).rewrite(r -> {
            r.setStatus(307);
            r.setHeader("Location", "http://127.0.0.2:9/elsewhere");
            r.replaceBody(new byte[0]);
        });

        HttpResponse<String> json = client.send(request("/blob/100").build(), BodyHandlers.ofString());
        assertEquals("{not json", json.body());
        assertEquals(badDigest, json.headers().firstValue("Docker-Content-Digest").orElse(null));
        assertEquals("9", json.headers().firstValue("Content-Length").orElse(null));

        HttpResponse<byte[]> longer = client.send(request("/chunked/3000").build(), BodyHandlers.ofByteArray());
        assertArrayEquals(Arrays.copyOf(bytes(3000), 3001), longer.body());

        HttpResponse<byte[]> moved = client.send(request("/chunked/3000").build(), BodyHandlers.ofByteArray());
        assertEquals(307, moved.statusCode());
        assertEquals("http://127.0.0.2:9/elsewhere", moved.headers().firstValue("Location").orElse(null));
        assertEquals(1, proxy.connections(), "rewritten bodies keep the framing right for the next request");
        assertEquals(List.of(200, 200, 307), proxy.exchanges().stream().map(Exchange::status).toList());
    }

    @Test
    void headResponseKeepsItsContentLengthWithoutABody() throws Exception {
        HttpResponse<byte[]> head = client.send(request("/blob/1234").method("HEAD", BodyPublishers.noBody()).build(),
                BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals("1234", head.headers().firstValue("Content-Length").orElse(null));
        assertEquals(0, head.body().length);

        HttpResponse<byte[]> get = client.send(request("/blob/1234").build(), BodyHandlers.ofByteArray());
        assertArrayEquals(bytes(1234), get.body());
        assertEquals(1, proxy.connections(), "the proxy did not wait for a body after HEAD");
    }

    @Test
    void aTlsProbeGets400AsFromAPlainRegistry() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            s.setSoTimeout((int) TIMEOUT.toMillis());
            // The start of a ClientHello, without the line feed an HTTP parser would wait for.
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc});
            String answer = new String(s.getInputStream().readAllBytes(), UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        }
        assertTrue(proxy.exchanges().isEmpty(), "what is not HTTP is not logged");
    }

    private HttpRequest.Builder request(String target) {
        return HttpRequest.newBuilder(URI.create("http://" + proxy.host() + target)).timeout(TIMEOUT);
    }

    /** A cut connection must surface as an I/O error, not as the client giving up on a hang. */
    private static void assertCut(Executable call) {
        IOException e = assertThrows(IOException.class, call);
        assertFalse(e instanceof HttpTimeoutException, "timed out instead of failing: " + e);
    }

    /** Reads until the body fails and returns how many bytes came first; a body that ends normally fails. */
    private static long bytesBeforeError(InputStream in) {
        long n = 0;
        byte[] buf = new byte[8192];
        try (in) {
            for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                n += r;
            }
        } catch (IOException e) {
            assertFalse(e instanceof HttpTimeoutException, "timed out instead of failing: " + e);
            return n;
        }
        return fail("the body ended normally after " + n + " bytes");
    }

    private Received next() throws InterruptedException {
        Received r = received.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(r, "the server got no request");
        return r;
    }

    /** Reads the whole request body; complete only when it ended where its Content-Length or last chunk said. */
    private Received receive(HttpExchange ex) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean complete;
        try (InputStream in = ex.getRequestBody()) {
            in.transferTo(body);
            String length = ex.getRequestHeaders().getFirst("Content-Length");
            complete = length == null || Long.parseLong(length) == body.size();
        } catch (IOException e) {
            complete = false;
        }
        Received r = new Received(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestHeaders(),
                body.toByteArray(), complete);
        received.add(r);
        return r;
    }

    private static int size(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        return Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
    }

    /** The same bytes for the same size, so client and server agree without sharing state. */
    private static byte[] bytes(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }
}
