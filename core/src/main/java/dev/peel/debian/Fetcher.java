package dev.peel.debian;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Gets repository files over http, https or file, with bounded retries on network errors and server
 * errors. It verifies nothing: callers check every byte against the signed chain.
 */
public final class Fetcher {
    /** A file the server says is not there (404/410, or a missing file: URL). */
    public static final class NotFound extends IOException {
        public NotFound(String message) {
            super(message);
        }
    }

    private static final int ATTEMPTS = 3;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(20)).build();

    public byte[] get(URI uri) throws IOException {
        if ("file".equals(uri.getScheme())) {
            try {
                return Files.readAllBytes(Path.of(uri));
            } catch (NoSuchFileException e) {
                throw new NotFound(uri + " does not exist");
            }
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IOException("unsupported URL scheme in " + uri + "; use http, https or file");
        }
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5))
                        .header("User-Agent", "peel").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                int code = r.statusCode();
                if (code == 200) {
                    return r.body();
                }
                if (code == 404 || code == 410) {
                    throw new NotFound(uri + ": HTTP " + code);
                }
                last = new IOException(uri + ": HTTP " + code);
                if (code < 500 && code != 408 && code != 429) {
                    throw last;
                }
            } catch (NotFound e) {
                throw e;
            } catch (IOException e) {
                last = e instanceof java.net.http.HttpTimeoutException ? new IOException(uri + ": timed out", e) : e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + uri, e);
            }
            if (attempt < ATTEMPTS) {
                try {
                    Thread.sleep(500L << attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while fetching " + uri, e);
                }
            }
        }
        throw new IOException("fetching " + uri + " failed " + ATTEMPTS + " times: " + last.getMessage(), last);
    }
}
