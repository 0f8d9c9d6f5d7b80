package dev.peel.install;

import dev.peel.cache.Cache;
import dev.peel.debian.Lock;
import dev.peel.debian.RepositoryException;
import dev.peel.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongConsumer;

/**
 * Fetches .deb files by their locked pool path into the cache, a few at a time. A download goes to a
 * partial file (resumed with a Range request after a network error or a killed build), is checked against
 * the lock's SHA256 and size, and only then renamed into {@code debs/sha256/<hex>}. A file lock per package
 * keeps two builds sharing a cache from writing one partial file at once.
 */
public final class Downloads implements AutoCloseable {
    static final int PARALLEL = 4;
    private static final int ATTEMPTS = 5;

    private final Cache cache;
    private final LongConsumer progress;
    private final ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, r -> {
        Thread t = new Thread(r, "peel-fetch");
        t.setDaemon(true);
        return t;
    });
    /** Made on first use: building one loads the TLS trust store, which a warm build never needs. */
    private HttpClient http;
    private final ConcurrentHashMap<String, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();

    /** @param progress told about every byte downloaded, from several threads */
    public Downloads(Cache cache, LongConsumer progress) {
        this.cache = cache;
        this.progress = progress;
    }

    /** The cached .deb when it is there and intact (re-hashed), else null. */
    Path cached(Lock.LockedPackage p) {
        return cache.file("debs", p.sha256()).orElse(null);
    }

    /** Whether the .deb looks downloaded already (not hashed: for the progress estimate only). */
    boolean present(Lock.LockedPackage p) {
        return p.sha256() != null && p.sha256().matches("[0-9a-f]{64}") && cache.has("debs", p.sha256());
    }

    /** The verified .deb of {@code p} in the cache, fetched if needed; one fetch per file however often asked. */
    public CompletableFuture<Path> fetch(Lock.LockedPackage p) {
        if (p.sha256() == null || !p.sha256().matches("[0-9a-f]{64}") || p.url() == null || p.filename() == null) {
            return CompletableFuture.failedFuture(new RepositoryException(p.name() + " " + p.version()
                    + ": the lock gives no SHA256, URL or pool path for it; run peel lock again"));
        }
        return inFlight.computeIfAbsent(p.sha256(), k -> CompletableFuture.supplyAsync(() -> {
            try {
                return get(p);
            } catch (IOException | RepositoryException e) {
                throw new CompletionException(e);
            }
        }, pool));
    }

    private Path get(Lock.LockedPackage p) throws IOException, RepositoryException {
        Path hit = cached(p);
        if (hit != null) {
            return hit;
        }
        Path partial = Files.createDirectories(cache.root().resolve("debs").resolve("partial"));
        try (FileChannel lock = FileChannel.open(partial.resolve(p.sha256() + ".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = lock.lock()) {
            hit = cached(p);
            if (hit != null) {
                return hit;
            }
            URI uri = URI.create(p.url().endsWith("/") ? p.url() : p.url() + "/").resolve(p.filename());
            Path part = partial.resolve(p.sha256());
            boolean fresh = false;
            for (int round = 0; round < 2; round++) {
                download(uri, part, p.size());
                String actual = sha256(part);
                long size = Files.size(part);
                if (actual.equals(p.sha256()) && (p.size() < 0 || size == p.size())) {
                    return cache.putFile("debs", p.sha256(), part);
                }
                Files.deleteIfExists(part);
                if (fresh) {
                    throw new RepositoryException(uri + " does not match the lock (sha256 " + actual + ", " + size
                            + " bytes; expected " + p.sha256() + ", " + p.size() + " bytes): the mirror changed the file"
                            + " or it was tampered with");
                }
                // A resumed file may have been glued to the wrong bytes: once more from scratch.
                fresh = true;
            }
            throw new IllegalStateException("unreachable");
        }
    }

    private void download(URI uri, Path part, long expected) throws IOException, RepositoryException {
        if ("file".equals(uri.getScheme())) {
            try {
                Files.copy(Path.of(uri), part, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return;
            } catch (java.nio.file.NoSuchFileException e) {
                throw new RepositoryException(uri + " does not exist: the lock is older than the repository; run peel lock");
            }
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new RepositoryException("unsupported URL scheme in " + uri + "; use http, https or file");
        }
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            long have = Files.exists(part) ? Files.size(part) : 0;
            if (expected >= 0 && have == expected) {
                return;
            }
            if (expected >= 0 && have > expected) {
                Files.delete(part);
                have = 0;
            }
            HttpRequest.Builder rq = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).header("User-Agent", "peel");
            if (have > 0) {
                rq.header("Range", "bytes=" + have + "-");
            }
            try {
                HttpResponse<InputStream> r = client().send(rq.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                int code = r.statusCode();
                if (code == 200 || code == 206) {
                    boolean append = code == 206;
                    try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                        byte[] buf = new byte[1 << 16];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            out.write(buf, 0, n);
                            progress.accept(n);
                        }
                    }
                    return;
                }
                r.body().close();
                if (code == 404 || code == 410) {
                    throw new RepositoryException(uri + ": HTTP " + code + "; the mirror no longer has this version (the"
                            + " lock may be older than the mirror: run peel lock, or use a snapshot)");
                }
                if (code == 416) {
                    Files.deleteIfExists(part);
                }
                last = new IOException(uri + ": HTTP " + code);
                if (code < 500 && code != 408 && code != 429 && code != 416) {
                    throw new RepositoryException(uri + ": HTTP " + code);
                }
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + uri, e);
            }
            if (attempt < ATTEMPTS) {
                try {
                    Thread.sleep(Math.min(8000, 250L << attempt));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while fetching " + uri, e);
                }
            }
        }
        throw new RepositoryException("fetching " + uri + " failed " + ATTEMPTS + " times: " + last.getMessage());
    }

    private synchronized HttpClient client() {
        if (http == null) {
            http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
        }
        return http;
    }

    private static String sha256(Path f) throws IOException {
        MessageDigest md = Digest.sha256();
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
