package dev.peel.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nginx serving a directory on 127.0.0.1 at a free port, in the foreground with everything it writes (pid,
 * logs, temp files) under a work directory of the test's; closing it stops nginx.
 */
public final class NginxServer implements AutoCloseable {
    private static final String NGINX = "/usr/sbin/nginx";
    private static final int ATTEMPTS = 5;
    private static final long READY_MILLIS = 15_000;

    private final Process process;
    private final int port;
    private final Path work;
    private final Thread reaper;

    private NginxServer(Process process, int port, Path work) {
        this.process = process;
        this.port = port;
        this.work = work;
        // A test JVM that exits without closing must not leave nginx listening.
        this.reaper = new Thread(process::destroyForcibly, "nginx-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /**
     * Starts nginx with {@code server { root ROOT; <serverConfig> }} and returns once it accepts connections.
     * {@code serverConfig} is put verbatim inside the server block (such as {@code include ROOT/nginx.conf;}).
     */
    public static NginxServer start(Path root, String serverConfig, Path work) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(NGINX))) {
            Tools.require("nginx");
        }
        Files.createDirectories(work);
        String failures = "";
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = freePort();
            Path conf = work.resolve("nginx-top.conf");
            Files.writeString(conf, config(root.toAbsolutePath(), serverConfig, work.toAbsolutePath(), port));
            Path pid = work.resolve("nginx.pid");
            Path errorLog = work.resolve("error.log");
            Files.deleteIfExists(pid);
            Files.deleteIfExists(errorLog);
            ProcessBuilder pb = new ProcessBuilder(List.of(NGINX, "-p", work.toAbsolutePath() + "/",
                    "-e", errorLog.toAbsolutePath().toString(), "-c", conf.toAbsolutePath().toString()));
            pb.redirectErrorStream(true).redirectOutput(work.resolve("nginx.out").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            // nginx writes its pid file after it has bound its listening socket; until then, or until it exits,
            // wait on the process itself.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MILLIS);
            while (!ready(pid) && System.nanoTime() < deadline) {
                if (p.waitFor(20, TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
            if (p.isAlive() && ready(pid)) {
                return new NginxServer(p, port, work);
            }
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            String log = read(errorLog) + read(work.resolve("nginx.out"));
            failures += log;
            // Another process took the port between our probe and nginx's bind: try another one.
            if (!log.contains("Address already in use")) {
                break;
            }
        }
        throw new IOException("nginx did not start:\n" + failures);
    }

    private static boolean ready(Path pid) throws IOException {
        return Files.isRegularFile(pid) && Files.size(pid) > 0;
    }

    private static String config(Path root, String serverConfig, Path work, int port) {
        return """
                daemon off;
                master_process off;
                pid "%2$s/nginx.pid";
                error_log "%2$s/error.log" info;
                events { worker_connections 256; }
                http {
                    access_log "%2$s/access.log";
                    client_body_temp_path "%2$s/client_body";
                    proxy_temp_path "%2$s/proxy";
                    fastcgi_temp_path "%2$s/fastcgi";
                    uwsgi_temp_path "%2$s/uwsgi";
                    scgi_temp_path "%2$s/scgi";
                    types { }
                    default_type application/octet-stream;
                    server {
                        listen 127.0.0.1:%3$d;
                        root "%1$s";
                %4$s
                    }
                }
                """.formatted(root, work, port, serverConfig.indent(8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String read(Path p) throws IOException {
        // Logs quote what clients sent, such as a TLS handshake skopeo tries first: decode leniently.
        return Files.isRegularFile(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "";
    }

    /** The port nginx listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:PORT}, as registry references name a host. */
    public String authority() {
        return "127.0.0.1:" + port;
    }

    /** The URL of a path on this server ({@code /v2/}). */
    public URI uri(String path) {
        return URI.create("http://" + authority() + path);
    }

    /** What nginx logged so far (errors, then requests), for failure messages. */
    public String logs() throws IOException {
        return read(work.resolve("error.log")) + read(work.resolve("access.log"));
    }

    /** Stops nginx (SIGTERM, then SIGKILL after ten seconds) and waits for it to exit. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs anyway and finds nginx gone.
        }
    }
}
