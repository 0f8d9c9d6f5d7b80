package dev.peel.registry;

import dev.peel.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A session with one registry host: the scheme (HTTPS, or plain HTTP where allowed), the authentication the
 * host asks for (anonymous, Basic, or Bearer tokens per scope, cached), and every request sent with retries
 * and backoff on resets, 408, 429 (Retry-After honoured) and 5xx within the retry budget.
 */
public final class Registry {
    /** The body of a request, re-openable for a retry. */
    public interface Body {
        long length();

        InputStream open() throws IOException;

        static Body of(byte[] b) {
            return new Body() {
                @Override
                public long length() {
                    return b.length;
                }

                @Override
                public InputStream open() {
                    return new java.io.ByteArrayInputStream(b);
                }
            };
        }
    }

    /**
     * One request. {@code target} is a path ({@code /v2/…}) or an absolute URL the registry gave (an upload's
     * Location). {@code scopes} are the token scopes it needs. {@code followRedirects}: blob downloads may be
     * sent to another host (registries serve blobs from a CDN); other requests may not leave the registry.
     */
    public record Call(String method, String target, Map<String, String> headers, Body body, List<String> scopes,
                       boolean followRedirects, String what, boolean once) {
        public Call {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
        }

        public Call(String method, String target, Map<String, String> headers, Body body, List<String> scopes,
                    boolean followRedirects, String what) {
            this(method, target, headers, body, scopes, followRedirects, what, false);
        }
    }

    /** A response whose body the caller reads and closes. */
    public record Response(int status, java.net.http.HttpHeaders headers, InputStream body, URI uri) implements AutoCloseable {
        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        /** Reads the body whole, refusing more than {@code max} bytes. */
        public byte[] read(long max, String what) throws RegistryException {
            try (InputStream in = body) {
                byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
                if (b.length > max) {
                    throw new RegistryException(RegistryException.Kind.UNTRUSTED, what + " is larger than " + max
                            + " bytes; refused");
                }
                return b;
            } catch (RegistryException e) {
                throw e;
            } catch (IOException e) {
                throw new RegistryException(RegistryException.Kind.FAILED, "reading " + what + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException e) {
                // Nothing is lost: the body was not wanted any more.
            }
        }
    }

    /** A response whose body is read through an {@link IdleStream}. */
    private record Guarded(HttpResponse<InputStream> r, InputStream body) implements HttpResponse<InputStream> {
        @Override
        public int statusCode() {
            return r.statusCode();
        }

        @Override
        public HttpRequest request() {
            return r.request();
        }

        @Override
        public Optional<HttpResponse<InputStream>> previousResponse() {
            return r.previousResponse();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return r.headers();
        }

        @Override
        public URI uri() {
            return r.uri();
        }

        @Override
        public HttpClient.Version version() {
            return r.version();
        }

        @Override
        public Optional<javax.net.ssl.SSLSession> sslSession() {
            return r.sslSession();
        }
    }

    /** A failure of a {@link Call#once()} call that a retry may cure; its caller decides how to retry. */
    static final class Retryable extends RegistryException {
        final String retryAfter;
        /** What went wrong, without the call's name (the caller's notice names it). */
        final String problem;

        Retryable(String message, String problem, String retryAfter, Throwable cause) {
            super(Kind.FAILED, message, cause);
            this.problem = problem;
            this.retryAfter = retryAfter;
        }
    }

    private static final int MAX_REDIRECTS = 5;
    private static final long MAX_ERROR_BODY = 64 * 1024;
    /** The longest Retry-After delta-seconds reads (nine digits). */
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(999_999_999);

    private final RegistryClient client;
    private final String host;
    private volatile String scheme;
    private volatile Challenge challenge;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private volatile Optional<Credential> credential;

    private record Token(String value, Instant expires) {
    }

    Registry(RegistryClient client, String host) {
        this.client = client;
        this.host = host;
    }

    public String host() {
        return host;
    }

    RegistryClient client() {
        return client;
    }

    void notice(String s) {
        client.options().notices().accept(s);
    }

    /** The base URL, deciding the scheme on first use: HTTPS, or HTTP for loopback and insecure hosts. */
    URI base() throws RegistryException {
        if (scheme == null) {
            synchronized (this) {
                if (scheme == null) {
                    scheme = decideScheme();
                }
            }
        }
        return URI.create(scheme + "://" + host);
    }

    private String decideScheme() throws RegistryException {
        if (!client.plainHttpAllowed(host)) {
            return "https";
        }
        // Loopback and --insecure-registry hosts: plain HTTP when the server speaks it (most local registries; no
        // TLS is loaded then); a TLS server answers a plain request with 400 "Client sent an HTTP request to an
        // HTTPS server" (Go's servers) or drops it — then HTTPS, as docker does for insecure registries.
        try {
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).timeout(Duration.ofSeconds(3))
                    .version(HttpClient.Version.HTTP_1_1).GET().build();
            HttpResponse<String> resp = client.http().send(r, HttpResponse.BodyHandlers.ofString());
            boolean tls = resp.statusCode() == 400 && resp.body() != null && resp.body().contains("HTTPS server");
            return tls ? "https" : "http";
        } catch (IOException e) {
            return "https";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.FAILED, "interrupted");
        }
    }

    /** Sends a call: authenticates when challenged, retries what is worth retrying, follows allowed redirects. */
    public Response send(Call call) throws RegistryException {
        URI uri = resolve(call.target());
        Instant deadline = Instant.now().plus(client.options().retryBudget());
        int attempt = 0;
        int authRounds = 0;
        int redirects = 0;
        String lastProblem = null;
        while (true) {
            attempt++;
            boolean sameHost = sameHost(uri);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).version(HttpClient.Version.HTTP_1_1)
                    .timeout(timeout(call));
            call.headers().forEach(b::header);
            b.header("User-Agent", "peel");
            String sentAuth = null;
            if (sameHost) {
                sentAuth = authorization(call.scopes());
                if (sentAuth != null) {
                    b.header("Authorization", sentAuth);
                }
            }
            Body body = call.body();
            // The JDK closes a body stream only when it reached its end; one cut short must be closed here.
            List<InputStream> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
            if (body != null && body.length() > 0) {
                b.method(call.method(), HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> {
                            try {
                                InputStream in = body.open();
                                opened.add(in);
                                return in;
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }), body.length()));
            } else {
                b.method(call.method(), HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<InputStream> r;
            try {
                r = client.http().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(RegistryException.Kind.FAILED, "interrupted");
            } catch (IllegalStateException e) {
                closeAll(opened);
                // The lazily made TLS context failed (an unreadable or empty --ca-file).
                throw new RegistryException(RegistryException.Kind.FAILED, e.getMessage(), e);
            } catch (IOException | java.io.UncheckedIOException e) {
                closeAll(opened);
                // What the body's source refused (a blob that does not match its digest) is not the network's fault.
                // A failed TLS handshake is not cured by retrying either.
                for (Throwable t = e; t != null; t = t.getCause()) {
                    if (t instanceof RegistryException re && re.kind() != RegistryException.Kind.FAILED) {
                        throw re;
                    }
                    if (t instanceof javax.net.ssl.SSLHandshakeException h) {
                        throw new RegistryException(RegistryException.Kind.FAILED, "TLS with " + uri.getAuthority()
                                + " failed: " + h.getMessage() + " (a private CA goes in --ca-file)", e);
                    }
                }
                lastProblem = describe(e);
                if (call.once()) {
                    throw new Retryable(call.what() + ": " + lastProblem, lastProblem, null, e);
                }
                waitBeforeRetry(call, attempt, deadline, null, lastProblem);
                continue;
            }
            closeAll(opened);
            InputStream guarded = new IdleStream(r.body(), client.watchdog(), client.options().idleTimeout());
            r = new Guarded(r, guarded);
            int status = r.statusCode();
            if (status == 401 && sameHost) {
                String body401 = errorText(r);
                if (authRounds++ >= 2) {
                    throw denied(call, status, body401);
                }
                authenticate(r.headers(), call, sentAuth);
                attempt--;
                continue;
            }
            if (status == 403) {
                throw denied(call, status, errorText(r));
            }
            if (status == 408 || status == 429 || status >= 500 && status <= 599) {
                String text = errorText(r);
                String problem = status + (text.isEmpty() ? "" : " " + text);
                lastProblem = problem;
                if (call.once()) {
                    throw new Retryable(call.what() + ": " + problem, problem, r.headers().firstValue("Retry-After").orElse(null), null);
                }
                waitBeforeRetry(call, attempt, deadline, r.headers().firstValue("Retry-After").orElse(null), problem);
                continue;
            }
            if (status >= 300 && status < 400 && status != 304) {
                String location = r.headers().firstValue("Location").orElse(null);
                discard(r);
                if (location == null) {
                    throw new RegistryException(RegistryException.Kind.UNTRUSTED, call.what() + ": " + host
                            + " answered " + status + " without a Location");
                }
                URI next;
                try {
                    next = resolveHeaderUrl(uri, location);
                } catch (IllegalArgumentException e) {
                    throw new RegistryException(RegistryException.Kind.UNTRUSTED, call.what() + ": " + host
                            + " answered " + status + " with a " + e.getMessage());
                }
                checkRedirect(call, uri, next);
                if (++redirects > MAX_REDIRECTS) {
                    throw new RegistryException(RegistryException.Kind.UNTRUSTED, call.what() + ": more than "
                            + MAX_REDIRECTS + " redirects");
                }
                uri = next;
                attempt--;
                continue;
            }
            return new Response(status, r.headers(), guarded, uri);
        }
    }

    private static void closeAll(List<InputStream> streams) {
        for (InputStream in : streams) {
            try {
                in.close();
            } catch (IOException e) {
                // A source stream; nothing to lose.
            }
        }
    }

    private Duration timeout(Call call) {
        long len = call.body() == null ? 0 : call.body().length();
        // Until the response headers arrive: the upload itself at no less than 32 KiB/s (a slow uplink), plus the
        // idle timeout.
        return client.options().idleTimeout().plusSeconds(len / (32 * 1024));
    }

    URI resolve(String target) throws RegistryException {
        URI base = base();
        URI u;
        try {
            // Targets come from the registry too (Link, Location): a malformed one is its fault, not a crash.
            u = target.startsWith("/") ? base.resolve(target) : URI.create(target);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, host + " sent a malformed URL ("
                    + reason(e) + ")");
        }
        if (u.getScheme() == null) {
            u = base.resolve(u);
        }
        if (!sameHost(u)) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, host + " sent a URL on another host ("
                    + u.getScheme() + "://" + u.getAuthority() + "); refused");
        }
        return u;
    }

    private boolean sameHost(URI u) {
        return host.equalsIgnoreCase(u.getRawAuthority()) && scheme != null && scheme.equalsIgnoreCase(u.getScheme());
    }

    private void checkRedirect(Call call, URI from, URI to) throws RegistryException {
        if (to.getScheme() == null || to.getHost() == null) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, call.what() + ": bad redirect");
        }
        boolean https = to.getScheme().equalsIgnoreCase("https");
        boolean httpOk = to.getScheme().equalsIgnoreCase("http") && client.plainHttpAllowed(to.getRawAuthority());
        if (!https && !httpOk) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, call.what() + ": " + host
                    + " redirected to " + to.getScheme() + "://" + to.getAuthority() + " (plain HTTP); refused");
        }
        if (!call.method().equals("GET") && !call.method().equals("HEAD")) {
            // A redirected upload would resend its body and credentials somewhere the caller did not name.
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, call.what() + ": " + host
                    + " redirected a " + call.method() + " request; refused");
        }
        if (!call.followRedirects() && !sameHostPort(from, to)) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, call.what() + ": " + host
                    + " redirected to another host (" + to.getAuthority() + "); refused");
        }
    }

    private static boolean sameHostPort(URI a, URI b) {
        return String.valueOf(a.getRawAuthority()).equalsIgnoreCase(String.valueOf(b.getRawAuthority()))
                && String.valueOf(a.getScheme()).equalsIgnoreCase(String.valueOf(b.getScheme()));
    }

    /** Waits as a retry of {@code call} should (backoff with jitter, or Retry-After), or fails when the budget is spent. */
    void waitBeforeRetry(Call call, int attempt, Instant deadline, String retryAfter, String problem)
            throws RegistryException {
        RegistryClient.Options o = client.options();
        long now = System.currentTimeMillis();
        long left = deadline.toEpochMilli() - now;
        if (attempt >= o.maxAttempts() || left <= 0) {
            throw new RegistryException(RegistryException.Kind.FAILED, call.what() + ": " + host + " failed "
                    + attempt + " time" + (attempt == 1 ? "" : "s") + " (last: " + problem + "); gave up"
                    + (left <= 0 ? " after the retry budget of " + o.retryBudget().toSeconds() + " s" : ""));
        }
        long wait;
        Long asked = retryAfter == null ? null : retryAfterMillis(retryAfter, now);
        if (asked != null) {
            wait = asked;
            if (wait > left) {
                throw new RegistryException(RegistryException.Kind.FAILED, call.what() + ": " + host
                        + " asked to retry after " + (wait + 999) / 1000 + " s, beyond the retry budget ("
                        + problem + ")");
            }
        } else {
            long cap = Math.min(10_000, 250L << Math.min(attempt - 1, 10));
            wait = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
            wait = Math.min(wait, Math.max(0, left));
        }
        o.notices().accept(call.what() + ": " + problem + "; retry " + attempt + " in "
                + String.format(Locale.ROOT, "%.1f", wait / 1000.0) + " s");
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.FAILED, "interrupted");
        }
    }

    /**
     * A URL header (Location) resolved against the URL it came with; an {@link IllegalArgumentException} when it
     * is not a URI reference. The message names the problem, not the value, which may be a signed URL.
     */
    static URI resolveHeaderUrl(URI base, String value) {
        try {
            return base.resolve(new URI(value.trim()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed Location (" + e.getReason() + " at character "
                    + (e.getIndex() + 1) + ")");
        }
    }

    private static String reason(IllegalArgumentException e) {
        return e.getCause() instanceof URISyntaxException u ? u.getReason() + " at character " + (u.getIndex() + 1)
                : "malformed";
    }

    /** Retry-After as delta-seconds or an HTTP date; null when unreadable. */
    static Long retryAfterMillis(String v, long now) {
        String s = v.trim();
        if (s.matches("[0-9]{1,9}")) {
            return Long.parseLong(s) * 1000;
        }
        Instant at;
        try {
            at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
        // The date's year may have nine digits, past what milliseconds since 1970 hold in a long: capped like
        // the longest delta-seconds, the caller then says it is beyond the retry budget.
        Duration d = Duration.between(Instant.ofEpochMilli(now), at);
        return d.isNegative() ? 0L : d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER.toMillis() : d.toMillis();
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        String name = e.getClass().getSimpleName();
        if (e instanceof HttpTimeoutException) {
            return "timed out";
        }
        return m == null || m.isBlank() ? name : name + ": " + m;
    }

    // ---- authentication ----

    /** Once per session, even when parallel requests ask at once (a helper may prompt or be slow). */
    private synchronized Optional<Credential> credential() throws RegistryException {
        if (credential == null) {
            try {
                credential = client.options().credentials().find(host);
            } catch (IOException e) {
                // As docker does: a broken credential store must not stop an anonymous pull; say why and go on.
                notice("credentials for " + host + " could not be read (" + e.getMessage() + "); going on without");
                credential = Optional.empty();
            }
        }
        return credential;
    }

    private String authorization(List<String> scopes) throws RegistryException {
        Challenge c = challenge;
        if (c == null) {
            return null;
        }
        if (c.scheme().equals("basic")) {
            Optional<Credential> cred = credential();
            return cred.map(Registry::basic).orElse(null);
        }
        if (c.scheme().equals("bearer")) {
            Token t = tokens.get(scopeKey(scopes));
            if (t != null && t.expires().isAfter(Instant.now().plusSeconds(10))) {
                return "Bearer " + t.value();
            }
            Token fresh = fetchToken(c, scopes);
            return fresh == null ? null : "Bearer " + fresh.value();
        }
        return null;
    }

    private static String basic(Credential c) {
        return "Basic " + Base64.getEncoder().encodeToString((c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
    }

    /** Learns the challenge of a 401; {@code sentAuth} is what the refused request carried (null: nothing). */
    private void authenticate(java.net.http.HttpHeaders headers, Call call, String sentAuth) throws RegistryException {
        List<String> values = headers.allValues("WWW-Authenticate");
        if (values.isEmpty()) {
            throw new RegistryException(RegistryException.Kind.DENIED, call.what() + ": " + host
                    + " answered 401 without saying how to authenticate (no WWW-Authenticate header)");
        }
        Challenge chosen = null;
        for (String v : values) {
            List<Challenge> cs;
            try {
                cs = Challenge.parse(v);
            } catch (IllegalArgumentException e) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, call.what() + ": " + host + " sent a "
                        + e.getMessage());
            }
            for (Challenge c : cs) {
                if (c.scheme().equals("bearer") && chosen == null || c.scheme().equals("bearer") && !chosen.scheme().equals("bearer")) {
                    chosen = c;
                } else if (c.scheme().equals("basic") && chosen == null) {
                    chosen = c;
                }
            }
        }
        if (chosen == null) {
            throw new RegistryException(RegistryException.Kind.DENIED, call.what() + ": " + host
                    + " asks for an authentication scheme peel does not speak (" + String.join(", ", values).replaceAll("\\s.*", "") + ")");
        }
        if (chosen.scheme().equals("basic")) {
            if (credential().isEmpty()) {
                throw new RegistryException(RegistryException.Kind.DENIED, call.what() + ": " + host
                        + " needs credentials; run 'peel login " + host + "'");
            }
            // Refused only when this very request carried Basic credentials (parallel requests race to learn the scheme).
            if (sentAuth != null && sentAuth.startsWith("Basic ")) {
                throw new RegistryException(RegistryException.Kind.DENIED, call.what() + ": " + host
                        + " refused the credentials of user '" + credential().get().username() + "'");
            }
            challenge = chosen;
            return;
        }
        if (chosen.param("realm") == null) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, call.what() + ": " + host
                    + " sent a Bearer challenge without a realm");
        }
        challenge = chosen;
        // A token that was sent and is refused for lack of scope will not get one by asking again.
        if (sentAuth != null && sentAuth.startsWith("Bearer ") && "insufficient_scope".equals(chosen.param("error"))) {
            throw denied(call, 401, "insufficient_scope");
        }
        List<String> scopes = new ArrayList<>(call.scopes());
        String asked = chosen.param("scope");
        if (asked != null) {
            for (String s : asked.split(" ")) {
                if (!s.isBlank() && !scopes.contains(s)) {
                    scopes.add(s);
                }
            }
        }
        // A 401 with a cached token: the token expired or lacks a scope; ask again.
        tokens.remove(scopeKey(call.scopes()));
        Token t = fetchToken(chosen, scopes);
        tokens.put(scopeKey(call.scopes()), t);
    }

    private Token fetchToken(Challenge c, List<String> scopes) throws RegistryException {
        String realm = c.param("realm");
        URI realmUri;
        try {
            realmUri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, host + " sent a token realm that is not a URL");
        }
        if (realmUri.getScheme() == null || realmUri.getHost() == null) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, host + " sent a token realm that is not a URL");
        }
        boolean https = realmUri.getScheme().equalsIgnoreCase("https");
        if (!https && !(realmUri.getScheme().equalsIgnoreCase("http") && client.plainHttpAllowed(realmUri.getRawAuthority()))) {
            throw new RegistryException(RegistryException.Kind.UNTRUSTED, host + "'s token realm " + realmUri.getScheme()
                    + "://" + realmUri.getAuthority() + " is not HTTPS; peel sends no credentials there");
        }
        Optional<Credential> cred = credential();
        StringBuilder q = new StringBuilder();
        if (c.param("service") != null) {
            q.append("service=").append(enc(c.param("service")));
        }
        for (String s : new TreeSet<>(scopes)) {
            q.append(q.length() == 0 ? "" : "&").append("scope=").append(enc(s));
        }
        HttpRequest.Builder b;
        if (cred.isPresent() && cred.get().identityToken()) {
            String form = "grant_type=refresh_token&client_id=peel&refresh_token=" + enc(cred.get().secret())
                    + (c.param("service") != null ? "&service=" + enc(c.param("service")) : "")
                    + (scopes.isEmpty() ? "" : "&scope=" + enc(String.join(" ", new TreeSet<>(scopes))));
            b = HttpRequest.newBuilder(realmUri).POST(HttpRequest.BodyPublishers.ofString(form))
                    .header("Content-Type", "application/x-www-form-urlencoded");
        } else {
            String sep = realm.contains("?") ? "&" : "?";
            b = HttpRequest.newBuilder(URI.create(realm + (q.length() == 0 ? "" : sep + q))).GET();
            cred.ifPresent(value -> b.header("Authorization", basic(value)));
        }
        b.header("User-Agent", "peel").timeout(Duration.ofSeconds(60)).version(HttpClient.Version.HTTP_1_1);
        Instant deadline = Instant.now().plus(client.options().retryBudget());
        Call what = new Call("GET", realm, null, null, scopes, false, "token for " + host);
        int attempt = 0;
        while (true) {
            attempt++;
            HttpResponse<InputStream> r;
            try {
                r = client.http().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(RegistryException.Kind.FAILED, "interrupted");
            } catch (IOException e) {
                waitBeforeRetry(what, attempt, deadline, null, describe(e));
                continue;
            }
            r = new Guarded(r, new IdleStream(r.body(), client.watchdog(), client.options().idleTimeout()));
            int s = r.statusCode();
            if (s == 401 || s == 403) {
                discard(r);
                throw new RegistryException(RegistryException.Kind.DENIED, host + "'s token service refused "
                        + (cred.isPresent() ? "the credentials of user '" + cred.get().username() + "'" : "anonymous access")
                        + " (" + s + ")" + (cred.isPresent() ? "" : "; run 'peel login " + host + "'"));
            }
            if (s == 408 || s == 429 || s >= 500) {
                discard(r);
                waitBeforeRetry(what, attempt, deadline, r.headers().firstValue("Retry-After").orElse(null), String.valueOf(s));
                continue;
            }
            byte[] body = new Response(s, r.headers(), r.body(), realmUri).read(1 << 20, "the token response");
            if (s != 200) {
                throw new RegistryException(RegistryException.Kind.DENIED, host + "'s token service answered " + s);
            }
            Map<String, Object> m;
            try {
                m = Json.parseObject(body);
            } catch (IllegalArgumentException e) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, host
                        + "'s token service sent malformed JSON: " + e.getMessage());
            }
            Object tok = m.get("token") instanceof String ? m.get("token") : m.get("access_token");
            if (!(tok instanceof String token) || token.isEmpty()) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, host + "'s token service sent no token");
            }
            long expiresIn = 60;
            if (m.get("expires_in") instanceof Number n && n.longValue() > 0) {
                expiresIn = Math.min(n.longValue(), 24 * 3600);
            }
            Token t = new Token(token, Instant.now().plusSeconds(expiresIn));
            tokens.put(scopeKey(scopes), t);
            return t;
        }
    }

    private static String scopeKey(List<String> scopes) {
        return String.join(" ", new TreeSet<>(scopes));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private RegistryException denied(Call call, int status, String text) throws RegistryException {
        Optional<Credential> cred = credential();
        String who = cred.map(c -> "user '" + c.username() + "'").orElse("anonymous access");
        return new RegistryException(RegistryException.Kind.DENIED, call.what() + ": " + host + " denied " + who
                + " (" + status + (text.isEmpty() ? "" : " " + text) + ")"
                + (cred.isEmpty() ? "; run 'peel login " + host + "'" : "; check the account's access to "
                + String.join(", ", call.scopes())));
    }

    /** The registry's error message ({"errors":[{"code","message"}]}), short and without secrets. */
    private static String errorText(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            byte[] b = in.readNBytes((int) MAX_ERROR_BODY);
            return errorText(b);
        } catch (IOException e) {
            return "";
        }
    }

    static String errorText(byte[] b) {
        try {
            Map<String, Object> m = Json.parseObject(b);
            List<Object> errors = Json.arr(m, "errors");
            List<String> parts = new ArrayList<>();
            for (Object o : errors) {
                if (o instanceof Map<?, ?> e) {
                    Object code = e.get("code");
                    Object msg = e.get("message");
                    parts.add((code == null ? "" : code + ": ") + (msg == null ? "" : msg));
                }
            }
            return clip(String.join("; ", parts));
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static String clip(String s) {
        String t = s.replaceAll("[\\p{Cntrl}]", " ");
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }

    private static void discard(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            in.readNBytes((int) MAX_ERROR_BODY);
        } catch (IOException e) {
            // The connection is dropped; nothing was wanted from it.
        }
    }
}
