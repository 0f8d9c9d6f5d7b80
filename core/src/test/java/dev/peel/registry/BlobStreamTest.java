package dev.peel.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.peel.oci.Digest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A blob download that stalls mid-body is cut by the idle watchdog and resumed with a Range request; a blob
 * that does not match its digest is refused. (Bodies cut short are tested through the fault proxy.)
 */
class BlobStreamTest {
    HttpServer server;
    final byte[] blob = new byte[3 << 20];
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        new Random(3).nextBytes(blob);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/v2/", ex -> {
            try (ex) {
                String range = ex.getRequestHeaders().getFirst("Range");
                ranges.add(String.valueOf(range));
                if (!ex.getRequestURI().getPath().contains("/blobs/")) {
                    ex.sendResponseHeaders(200, -1);
                    return;
                }
                int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
                if (from > 0) {
                    ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (blob.length - 1) + "/" + blob.length);
                }
                ex.sendResponseHeaders(from > 0 ? 206 : 200, blob.length - from);
                OutputStream o = ex.getResponseBody();
                if (from == 0) {
                    o.write(blob, 0, 1 << 20);
                    o.flush();
                    release.await(30, TimeUnit.SECONDS); // the stall the client must not wait out
                    return;
                }
                o.write(blob, from, blob.length - from);
            } catch (Exception e) {
                // The client went away; nothing to do.
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    Repository repo(Duration idle) throws Exception {
        RegistryClient c = new RegistryClient(new RegistryClient.Options(null, null, null, Duration.ofSeconds(20), 0, idle, null));
        return c.repository(Reference.parse("127.0.0.1:" + server.getAddress().getPort() + "/r/blob"));
    }

    @Test
    void aStalledDownloadIsCutAndResumedWhereItStood() throws Exception {
        long t0 = System.nanoTime();
        byte[] got;
        try (InputStream in = repo(Duration.ofSeconds(1)).openBlob(Digest.of(blob), blob.length)) {
            got = in.readAllBytes();
        }
        assertArrayEquals(blob, got);
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 15_000, "the stall was not waited out");
        assertEquals(List.of("null", "bytes=1048576-"), ranges.subList(ranges.size() - 2, ranges.size()));
    }

    @Test
    void aBlobWithAnotherDigestIsRefused() throws Exception {
        byte[] other = blob.clone();
        other[5] ^= 1;
        RegistryException e = assertThrows(RegistryException.class, () -> {
            try (InputStream in = repo(Duration.ofSeconds(1)).openBlob(Digest.of(other), blob.length)) {
                in.readAllBytes();
            }
        });
        assertEquals(RegistryException.Kind.UNTRUSTED, e.kind());
        assertTrue(e.getMessage().contains("does not match its digest"), e.getMessage());
    }
}
