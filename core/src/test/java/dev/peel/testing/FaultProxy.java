package dev.peel.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A reverse proxy on loopback in front of an HTTP/1.1 server (a registry) that injects the faults a test asks for:
 * error statuses, connections cut mid-upload or mid-download, stalls and rewritten responses.
 *
 * <p>Clients talk to {@link #host()} as if it were the server. The Host field passes through unchanged, so the
 * server's {@code Location:} URLs point back at the proxy. Bodies are streamed, never held whole, except where a
 * {@link Response#body()} hook asks for one. Every request is logged as an {@link Exchange}, and the log entry is
 * written before the client can see the outcome, so a test may assert on it as soon as its call returns.
 *
 * <p>Rules are tried in the order they were added; the first that fires decides. Each rule counts every request
 * it matches, whether or not an earlier rule fired, so {@code nth(2)} means the second such request seen.
 */
public final class FaultProxy implements AutoCloseable {
    /** Enough for skopeo's and peel's parallel transfers; more connections than this are reset. */
    private static final int MAX_CONNECTIONS = 64;
    /** Bounds every read and write so a test whose peer hangs fails instead of blocking forever. */
    static final int IO_TIMEOUT_MILLIS = 120_000;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final InetSocketAddress upstream;
    private final ServerSocket server;
    private final ThreadPoolExecutor pool;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Released by close so stalls end at once. */
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Rule> rules = new ArrayList<>(); // guarded by this
    private final List<Exchange> exchanges = new ArrayList<>(); // guarded by itself
    private final AtomicInteger connections = new AtomicInteger();

    /**
     * One request the proxy saw. Bytes that are not an HTTP/1.x request (a TLS probe) get a 400 and no entry.
     *
     * @param connection 1 for the first client connection accepted, 2 for the next: shows keep-alive and reconnects
     * @param target the request target as sent, query included
     * @param status the status sent to the client; 0 when none was (reset, dropped request, broken connection)
     * @param fault the injected fault, e.g. "respond 503" or "dropResponseAfter 1024"; null when none fired
     */
    public record Exchange(int connection, String method, String target, int status, String fault) {
        /** The target without its query, as rules match it. */
        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        public boolean faulted() {
            return fault != null;
        }
    }

    /** Edits an upstream response before the client sees it. */
    @FunctionalInterface
    public interface Rewriter {
        void apply(Response response) throws IOException;
    }

    private FaultProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AtomicInteger threads = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 10, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "fault-proxy-" + server.getLocalPort() + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "fault-proxy-" + server.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Runs a proxy from the command line, for benchmarks and trying clients by hand:
     * {@code FaultProxy HOST:PORT [--profile none|flaky] [--log FILE]}. Prints its {@code host:port} on stdout,
     * serves until stdin ends or the process is told to stop, then prints on stderr how many requests it saw and
     * every fault that fired, ending with a line {@code faults: N}.
     *
     * <p>Profile {@code flaky}: every 5th blob upload request (PUT or PATCH of an upload session) is answered 503;
     * the first blob download larger than 1 MiB is cut after 1 MiB of its body (the connection closed early); the
     * first manifest request is answered 429 with {@code Retry-After: 1}. Profile {@code none} (the default) only
     * relays, to measure what the proxy itself costs. {@code --log FILE} writes every exchange, one a line.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        String usage = "usage: FaultProxy HOST:PORT [--profile none|flaky] [--log FILE]";
        String upstream = null;
        String profile = "none";
        String log = null;
        for (int i = 0; i < args.length; i++) {
            boolean valued = args[i].equals("--profile") || args[i].equals("--log");
            if (valued && i + 1 < args.length) {
                if (args[i].equals("--profile")) {
                    profile = args[++i];
                } else {
                    log = args[++i];
                }
            } else if (!valued && !args[i].startsWith("-") && upstream == null) {
                upstream = args[i];
            } else {
                upstream = null;
                break;
            }
        }
        if (upstream == null) {
            System.err.println(usage);
            System.exit(2);
        }
        FaultProxy proxy = start(upstream);
        AtomicInteger cuts = new AtomicInteger();
        switch (profile) {
            case "none" -> { }
            case "flaky" -> {
                proxy.on("PUT|PATCH", "/v2/.+/blobs/uploads/[^/]+").every(5).respond(503);
                proxy.on("GET", "/v2/.+/blobs/sha256:[0-9a-f]{64}").rewrite(r -> cutOnce(r, 1 << 20, cuts));
                proxy.on("*", "/v2/.+/manifests/[^/]+").first().respond(429, "Retry-After", "1");
            }
            default -> {
                System.err.println("unknown profile " + profile + "; known: none, flaky");
                System.exit(2);
            }
        }
        String logFile = log;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            proxy.report(cuts.get(), logFile);
        }));
        System.out.println(proxy.host());
        System.out.flush();
        while (System.in.read() >= 0) {
            // Serves until stdin ends: the caller closes it (or exits) to stop the proxy.
        }
        System.exit(0);
    }

    /**
     * On the first 200 response whose body is longer than {@code after} bytes: lets {@code after} bytes through, then
     * fails the body, so the proxy closes the connection before the Content-Length is reached (the client sees at
     * most that many bytes; some may still sit in the proxy's buffer).
     */
    private static void cutOnce(Response r, long after, AtomicInteger cuts) {
        String length = r.header("Content-Length");
        if (r.status() != 200 || length == null || Long.parseLong(length.trim()) <= after || !cuts.compareAndSet(0, 1)) {
            return;
        }
        InputStream upstream = r.body;
        r.replaceBody(new InputStream() {
            long left = after;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    throw new IOException("cut by the fault proxy");
                }
                int n = upstream.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        }, Long.parseLong(length.trim()));
    }

    private void report(int cuts, String logFile) {
        List<Exchange> all = exchanges();
        int faults = cuts;
        StringBuilder lines = new StringBuilder();
        for (Exchange e : all) {
            lines.append(e.method()).append(' ').append(e.target()).append(' ').append(e.status())
                    .append(e.fault() == null ? "" : " " + e.fault()).append('\n');
            if (e.faulted() && !e.fault().equals("rewrite")) {
                faults++;
                System.err.println("fault: " + e.fault() + " on " + e.method() + " " + e.path());
            }
        }
        if (cuts > 0) {
            System.err.println("fault: cut a blob download after 1 MiB (" + cuts + "×)");
        }
        System.err.println("requests: " + all.size() + ", connections: " + connections());
        System.err.println("faults: " + faults);
        System.err.flush();
        if (logFile != null) {
            try {
                java.nio.file.Files.writeString(java.nio.file.Path.of(logFile), lines);
            } catch (IOException e) {
                System.err.println("could not write " + logFile + ": " + e.getMessage());
            }
        }
    }

    /** Starts a proxy in front of {@code host:port} (a bracketed IPv6 literal works too). */
    public static FaultProxy start(String upstreamHostPort) throws IOException {
        int colon = upstreamHostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected host:port, got " + upstreamHostPort);
        }
        String host = upstreamHostPort.substring(0, colon).replace("[", "").replace("]", "");
        return new FaultProxy(new InetSocketAddress(host, Integer.parseInt(upstreamHostPort.substring(colon + 1))));
    }

    /** {@code 127.0.0.1:PORT}, to use where the registry's host:port would go. */
    public String host() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Starts a rule for requests whose method ("*" for any, or several as "PUT|PATCH") and path (query excluded)
     * match fully.
     */
    public Rule on(String method, String pathRegex) {
        return new Rule(method, Pattern.compile(pathRegex));
    }

    /** Forgets every rule, for a test that goes on with a healthy server. */
    public synchronized void clearRules() {
        rules.clear();
    }

    /** Every request seen so far, oldest first. */
    public List<Exchange> exchanges() {
        synchronized (exchanges) {
            return List.copyOf(exchanges);
        }
    }

    /** The requests seen whose method and path match, as {@link #on} would match them. */
    public List<Exchange> exchanges(String method, String pathRegex) {
        Pattern p = Pattern.compile(pathRegex);
        Set<String> methods = Set.of(method.split("\\|"));
        return exchanges().stream()
                .filter(e -> (method.equals("*") || methods.contains(e.method())) && p.matcher(e.path()).matches())
                .toList();
    }

    /** How many client connections were accepted. */
    public int connections() {
        return connections.get();
    }

    /** Stops accepting, cuts every connection and waits a bounded time for the threads to end. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing.countDown();
        closeQuietly(server);
        for (Socket s : open) {
            closeQuietly(s);
        }
        pool.shutdownNow();
        try {
            pool.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            acceptor.join(TimeUnit.SECONDS.toMillis(CLOSE_TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What to do with some of the requests a method and path pattern match; a fault method arms it. */
    public final class Rule {
        private final String method;
        private final Set<String> methods;
        private final Pattern path;
        private int from = 1;
        private int to = Integer.MAX_VALUE;
        private int every = 1;
        private Fault fault;
        private int seen; // guarded by FaultProxy.this
        private int fired; // guarded by FaultProxy.this

        private Rule(String method, Pattern path) {
            this.method = Objects.requireNonNull(method);
            this.methods = Set.of(method.split("\\|"));
            this.path = path;
        }

        /** Only the first matching request. */
        public Rule first() {
            return nth(1);
        }

        /** Only the n-th matching request, counting from 1. */
        public Rule nth(int n) {
            return window(n, n);
        }

        /** The first n matching requests. */
        public Rule times(int n) {
            return window(1, n);
        }

        /** The n-th matching request, the 2n-th, the 3n-th and so on: a server that fails now and then. */
        public Rule every(int n) {
            window(n, Integer.MAX_VALUE);
            synchronized (FaultProxy.this) {
                every = n;
            }
            return this;
        }

        /** Answers with this status and header name/value pairs without forwarding. */
        public Rule respond(int status, String... headers) {
            return respond(status, new byte[0], headers);
        }

        /** Answers with this status, body and header name/value pairs without forwarding. */
        public Rule respond(int status, byte[] body, String... headers) {
            if (headers.length % 2 != 0) {
                throw new IllegalArgumentException("headers come as name, value pairs");
            }
            return arm(new Fault.Respond(status, body.clone(), List.of(headers)));
        }

        /** Resets the client connection once the request head is read; nothing is forwarded. */
        public Rule reset() {
            return arm(new Fault.Reset());
        }

        /**
         * Forwards the request but resets both connections after relaying this many bytes of its body, or after
         * the whole body when it is shorter; the client gets no response and the server an incomplete body.
         */
        public Rule dropRequestAfter(long bytes) {
            return arm(new Fault.DropRequest(bytes));
        }

        /**
         * Forwards the request, relays the response head and this many bytes of its body, then resets the client
         * connection. A reset discards data still in flight, so the client sees at most that many bytes. A shorter
         * body is relayed whole before the reset.
         */
        public Rule dropResponseAfter(long bytes) {
            return arm(new Fault.DropResponse(bytes));
        }

        /**
         * Like {@link #dropResponseAfter} but closes the connection in order: the client gets exactly this many
         * bytes, fewer than the Content-Length (or without the last chunk), then end of stream.
         */
        public Rule truncateResponseBody(long bytes) {
            return arm(new Fault.Truncate(bytes));
        }

        /** Holds the request this long before forwarding it: a slow server. {@link #close()} ends the wait. */
        public Rule stall(long millis) {
            return arm(new Fault.Stall(millis));
        }

        /** Forwards the request and lets the hook change the response's status, headers and body. */
        public Rule rewrite(Rewriter edit) {
            return arm(new Fault.Rewrite(Objects.requireNonNull(edit)));
        }

        /** How many requests this rule has fired on. */
        public int fired() {
            synchronized (FaultProxy.this) {
                return fired;
            }
        }

        private Rule window(int first, int last) {
            if (first < 1 || last < first) {
                throw new IllegalArgumentException("counts start at 1");
            }
            synchronized (FaultProxy.this) {
                if (fault != null) {
                    throw new IllegalStateException("choose which matches before the fault");
                }
                from = first;
                to = last;
                every = 1;
            }
            return this;
        }

        private Rule arm(Fault f) {
            synchronized (FaultProxy.this) {
                if (fault != null) {
                    throw new IllegalStateException("a rule has one fault; start another with on()");
                }
                fault = f;
                rules.add(this);
            }
            return this;
        }

        private boolean matches(String m, String p) {
            return (method.equals("*") || methods.contains(m)) && path.matcher(p).matches();
        }
    }

    /**
     * An upstream response a {@link Rule#rewrite} hook may change. The body streams through untouched unless the
     * hook reads or replaces it.
     */
    public static final class Response {
        final Http1.Head head;
        private int status;
        private String reason;
        InputStream body;
        /** The new body's length (-1: unknown, sent chunked) once replaced; null while the upstream's is kept. */
        Long replacedLength;

        Response(int status, String reason, Http1.Head head, InputStream body) {
            this.status = status;
            this.reason = reason;
            this.head = head;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public void setStatus(int status) {
            this.status = status;
            this.reason = reason(status);
        }

        /** The first value of a header field, any case; null when absent. */
        public String header(String name) {
            return head.first(name);
        }

        public void setHeader(String name, String value) {
            head.set(name, value);
        }

        public void addHeader(String name, String value) {
            head.add(name, value);
        }

        public void removeHeader(String name) {
            head.remove(name);
        }

        /** Reads the whole body into memory (meant for manifests and error bodies, not blobs); empty for HEAD. */
        public byte[] body() throws IOException {
            byte[] bytes = body.readAllBytes();
            replaceBody(bytes);
            return bytes.clone();
        }

        /** Sends these bytes instead, with a Content-Length to match. */
        public void replaceBody(byte[] bytes) {
            replaceBody(new ByteArrayInputStream(bytes.clone()), bytes.length);
        }

        /** Streams this instead (an oversized body, say); length -1 sends it chunked. */
        public void replaceBody(InputStream in, long length) {
            // The displaced upstream body is left unread: its connection is closed once the exchange ends.
            body = in;
            replacedLength = length;
        }

        String statusLine() {
            return "HTTP/1.1 " + status + " " + reason;
        }
    }

    /** Picks the rule that fires on a request, counting the request for every rule it matches. */
    synchronized Fault select(String method, String path) {
        Fault chosen = null;
        for (Rule r : rules) {
            if (r.matches(method, path)) {
                r.seen++;
                if (chosen == null && r.seen >= r.from && r.seen <= r.to && (r.seen - r.from) % r.every == 0) {
                    r.fired++;
                    chosen = r.fault;
                }
            }
        }
        return chosen;
    }

    void record(Exchange e) {
        synchronized (exchanges) {
            exchanges.add(e);
        }
    }

    /** Waits out a stall; false when the proxy closed meanwhile. */
    boolean stall(long millis) throws InterruptedException {
        return !closing.await(millis, TimeUnit.MILLISECONDS);
    }

    Socket connectUpstream() throws IOException {
        Socket s = track(new Socket());
        try {
            s.connect(upstream, CONNECT_TIMEOUT_MILLIS);
            s.setSoTimeout(IO_TIMEOUT_MILLIS);
            s.setTcpNoDelay(true);
            return s;
        } catch (IOException e) {
            forget(s);
            throw e;
        }
    }

    /** Registers a socket for close(); one registered after close() began is closed at once. */
    Socket track(Socket s) {
        open.add(s);
        if (closed.get()) {
            closeQuietly(s);
        }
        return s;
    }

    void forget(Socket s) {
        open.remove(s);
        closeQuietly(s);
    }

    /** Closes with a TCP reset instead of an orderly end, as a crashed peer or a middlebox would. */
    static void abort(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // Already closed: nothing left to reset.
        }
        closeQuietly(s);
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // close() closed the server socket
            }
            int id = connections.incrementAndGet();
            track(s);
            try {
                pool.execute(new ProxyConnection(this, s, id));
            } catch (RejectedExecutionException e) {
                abort(s);
                open.remove(s);
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // Closing to clean up; the peer may have gone already.
        }
    }

    /** Reason phrases for the statuses tests use; clients read only the code. */
    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 416 -> "Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Status " + status;
        };
    }
}
