package dev.peel.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import dev.peel.cache.Cache;
import dev.peel.debian.Lock;
import dev.peel.debian.RepositoryException;
import dev.peel.oci.Digest;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a real HTTP server on loopback that fails, cuts off and honours Range requests. */
class DownloadsTest {
    @TempDir
    Path tmp;
    HttpServer server;
    byte[] deb = new byte[300_000];
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();
    volatile byte[] served;

    @BeforeEach
    void start() throws Exception {
        new Random(7).nextBytes(deb);
        served = deb;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/pool/", ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            ranges.add(range == null ? "-" : range);
            if (failuresLeft.getAndDecrement() > 0) {
                ex.sendResponseHeaders(503, -1);
                ex.close();
                return;
            }
            byte[] body = served;
            int from = 0;
            if (range != null && range.startsWith("bytes=")) {
                from = Integer.parseInt(range.substring(6, range.indexOf('-')));
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                ex.sendResponseHeaders(206, body.length - from);
            } else {
                ex.sendResponseHeaders(200, body.length);
            }
            ex.getResponseBody().write(body, from, body.length - from);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    Lock.LockedPackage pkg() {
        return new Lock.LockedPackage("blob", "1", "amd64", "blob", "http://127.0.0.1:" + server.getAddress().getPort() + "/",
                "main", "main", "pool/b/blob_1_amd64.deb", Digest.of(deb).hex(), deb.length);
    }

    @Test
    void aPartialDownloadLeftByAKilledBuildIsResumed() throws Exception {
        Cache cache = new Cache(tmp.resolve("cache"));
        Path partial = Files.createDirectories(tmp.resolve("cache/debs/partial"));
        Files.write(partial.resolve(pkg().sha256()), java.util.Arrays.copyOf(deb, 120_000));
        try (Downloads d = new Downloads(cache, n -> { })) {
            Path got = d.fetch(pkg()).get();
            assertArrayEquals(deb, Files.readAllBytes(got));
        }
        assertEquals(List.of("bytes=120000-"), ranges);
        assertFalse(Files.exists(partial.resolve(pkg().sha256())));
    }

    @Test
    void serverErrorsAreRetried() throws Exception {
        failuresLeft.set(2);
        try (Downloads d = new Downloads(new Cache(tmp.resolve("cache")), n -> { })) {
            assertArrayEquals(deb, Files.readAllBytes(d.fetch(pkg()).get()));
        }
        assertEquals(3, ranges.size());
    }

    @Test
    void aFileThatDoesNotMatchTheLockIsRefusedAndNotCached() throws Exception {
        byte[] other = deb.clone();
        other[1000] ^= 1;
        served = other;
        Cache cache = new Cache(tmp.resolve("cache"));
        try (Downloads d = new Downloads(cache, n -> { })) {
            d.fetch(pkg()).get();
            fail("a changed file must be refused");
        } catch (ExecutionException e) {
            assertTrue(e.getCause() instanceof RepositoryException, e.getCause().toString());
            assertTrue(e.getCause().getMessage().contains("does not match the lock"), e.getCause().getMessage());
        }
        assertTrue(cache.file("debs", pkg().sha256()).isEmpty());
        assertFalse(Files.exists(tmp.resolve("cache/debs/partial").resolve(pkg().sha256())), "no partial file kept");
    }
}
