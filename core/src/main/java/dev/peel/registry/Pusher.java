package dev.peel.registry;

import dev.peel.image.ContentSource;
import dev.peel.image.Image;
import dev.peel.image.ImageIndex;
import dev.peel.image.Layer;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Pushes an image or index to a repository: every blob first (HEAD, skipped when present; mounted from another
 * repository of the same registry when one is known to hold it; else uploaded — monolithically when small,
 * in resumable chunks when big), on a bounded pool; then manifests by digest, children before their index;
 * tags last, so a tag never points at anything incomplete.
 */
public final class Pusher {
    /** Blobs up to this size go in one PUT; a failure restarts them whole. */
    static final long MONOLITHIC_MAX = 16L * 1024 * 1024;
    static final long CHUNK = 16L * 1024 * 1024;

    /** What a push did. */
    public record Stats(int blobsPresent, int blobsMounted, int blobsUploaded, long bytesUploaded, int manifests) {
    }

    private final RegistryClient client;
    private final BlobLocations known;
    private final int parallelism;
    private final LongConsumer progress;
    private final AtomicInteger present = new AtomicInteger();
    private final AtomicInteger mounted = new AtomicInteger();
    private final AtomicInteger uploaded = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger manifests = new AtomicInteger();

    /**
     * @param known where blobs were seen before (for cross-repository mounts), or null
     * @param progress told of every uploaded byte (from several threads), or null
     */
    public Pusher(RegistryClient client, BlobLocations known, int parallelism, LongConsumer progress) {
        this.client = client;
        this.known = known;
        this.parallelism = Math.max(1, parallelism);
        this.progress = progress == null ? n -> { } : progress;
    }

    public Stats stats() {
        return new Stats(present.get(), mounted.get(), uploaded.get(), bytes.get(), manifests.get());
    }

    /** Pushes what {@code top} names in {@code source} to the reference's repository, then tags it. */
    public Descriptor push(ContentSource source, Descriptor top, Reference target, List<String> tags) throws IOException {
        for (String t : tags) {
            // Tags go into the URL; one from an untrusted layout must not be a path (../other/manifests/x).
            target.withTag(t);
        }
        Repository repo = client.repository(target);
        // Gather the tree: blobs (deduplicated) and manifests in children-first order.
        Map<Digest, Blob> blobs = new LinkedHashMap<>();
        List<Object[]> docs = new ArrayList<>();
        gather(source, top, blobs, docs, 0);
        pushBlobs(repo, new ArrayList<>(blobs.values()));
        for (Object[] d : docs) {
            Descriptor desc = (Descriptor) d[0];
            try {
                repo.putManifest(desc.digest().toString(), desc.mediaType(), (byte[]) d[1]);
            } catch (RegistryException e) {
                // distribution 2.8 rewrites its link files in place: a concurrent push of the same blob to the
                // repository can leave one unreadable for a moment (MANIFEST_BLOB_UNKNOWN, DIGEST_INVALID).
                // Check the blobs again (re-uploading what is missing) and try the manifest once more.
                if (!e.getMessage().contains("BLOB_UNKNOWN") && !e.getMessage().contains("DIGEST_INVALID")) {
                    throw e;
                }
                client.options().notices().accept("PUT manifest " + desc.digest() + ": " + e.getMessage()
                        + "; checking its blobs and trying once more");
                pushBlobs(repo, new ArrayList<>(blobs.values()));
                repo.putManifest(desc.digest().toString(), desc.mediaType(), (byte[]) d[1]);
            }
            manifests.incrementAndGet();
        }
        for (String t : tags) {
            Object[] last = docs.get(docs.size() - 1);
            repo.putManifest(t, top.mediaType(), (byte[]) last[1]);
        }
        return new Descriptor(top.mediaType(), top.digest(), top.size());
    }

    /** A blob to push: a layer, or a config held in memory. */
    private record Blob(Digest digest, long size, Layer layer, byte[] bytes) {
        InputStream open() throws IOException {
            return layer != null ? layer.open() : new java.io.ByteArrayInputStream(bytes);
        }
    }

    private void gather(ContentSource source, Descriptor d, Map<Digest, Blob> blobs, List<Object[]> docs, int depth)
            throws IOException {
        if (depth > 8) {
            throw new IOException("indexes nested too deeply");
        }
        if (d.mediaType().isIndex()) {
            ImageIndex idx = source.childIndex(d);
            for (Descriptor c : idx.index().manifests()) {
                gather(idx, c, blobs, docs, depth + 1);
            }
            docs.add(new Object[] {new Descriptor(d.mediaType(), idx.digest(), idx.rawIndex().length), idx.rawIndex()});
        } else if (d.mediaType().isManifest()) {
            Image img = source.image(d);
            for (Layer l : img.layers()) {
                blobs.putIfAbsent(l.digest(), new Blob(l.digest(), l.size(), l, null));
            }
            byte[] cfg = img.rawConfig();
            blobs.putIfAbsent(Digest.of(cfg), new Blob(Digest.of(cfg), cfg.length, null, cfg));
            docs.add(new Object[] {new Descriptor(d.mediaType(), img.digest(), img.rawManifest().length), img.rawManifest()});
        } else {
            throw new IOException("cannot push " + d.digest() + " of media type " + d.mediaType());
        }
    }

    private void pushBlobs(Repository repo, List<Blob> blobs) throws IOException {
        if (blobs.size() == 1 || parallelism == 1) {
            for (Blob b : blobs) {
                pushBlob(repo, b);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, blobs.size()), r -> {
            Thread t = new Thread(r, "peel-push");
            t.setDaemon(true);
            return t;
        });
        try {
            // Biggest first: the longest transfers start at once.
            List<Blob> order = new ArrayList<>(blobs);
            order.sort((a, b) -> Long.compare(b.size(), a.size()));
            List<Future<?>> fs = new ArrayList<>();
            for (Blob b : order) {
                fs.add(pool.submit(() -> {
                    pushBlob(repo, b);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    for (Future<?> g : fs) {
                        g.cancel(true);
                    }
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException(e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.FAILED, "interrupted");
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Pushes one small blob held in memory (a config, a signature payload) unless the repository has it. */
    public void pushBlob(Repository repo, byte[] bytes) throws IOException {
        Digest d = Digest.of(bytes);
        pushBlob(repo, new Blob(d, bytes.length, null, bytes));
    }

    private void pushBlob(Repository repo, Blob b) throws IOException {
        String host = repo.registry().host();
        if (repo.hasBlob(b.digest(), b.size())) {
            present.incrementAndGet();
            remember(host, repo.name(), b.digest());
            return;
        }
        String from = mountSource(repo, b);
        Repository.Upload location;
        try {
            location = repo.mountOrStart(b.digest(), from);
        } catch (RegistryException e) {
            if (from == null) {
                throw e;
            }
            // The credential may not read the other repository, or the registry declines mounts: upload instead.
            location = repo.mountOrStart(b.digest(), null);
        }
        if (location == null) {
            mounted.incrementAndGet();
            remember(host, repo.name(), b.digest());
            return;
        }
        upload(repo, b, location);
        uploaded.incrementAndGet();
        remember(host, repo.name(), b.digest());
    }

    private void remember(String host, String repo, Digest d) {
        if (known != null) {
            known.record(host, repo, d);
        }
    }

    /** Another repository of the same registry that holds the blob, or null. */
    private String mountSource(Repository repo, Blob b) {
        String host = repo.registry().host();
        if (b.layer() != null && b.layer().origin() instanceof Remote.RemoteLayer r && r.repository().registry().host().equals(host)
                && !r.repository().name().equals(repo.name())) {
            return r.repository().name();
        }
        if (known != null) {
            for (String other : known.repositories(host, b.digest())) {
                if (!other.equals(repo.name())) {
                    return other;
                }
            }
        }
        return null;
    }

    private void upload(Repository repo, Blob b, Repository.Upload first) throws IOException {
        Instant deadline = Instant.now().plus(client.options().retryBudget());
        Registry reg = repo.registry();
        String what = "upload of blob " + b.digest() + " to " + repo;
        String location = first.location();
        int attempt = 0;
        if (b.size() <= MONOLITHIC_MAX) {
            while (true) {
                attempt++;
                try {
                    if (location == null) {
                        location = repo.mountOrStart(b.digest(), null).location();
                    }
                    Registry.Body body = new Registry.Body() {
                        @Override
                        public long length() {
                            return b.size();
                        }

                        @Override
                        public InputStream open() throws IOException {
                            return new Counting(b.open());
                        }
                    };
                    try (Registry.Response r = reg.send(new Registry.Call("PUT", Repository.withDigest(location, b.digest()),
                            Map.of("Content-Type", "application/octet-stream"), body, repo.push(), false, what, true))) {
                        if (r.status() != 201) {
                            throw Repository.refused(r, what);
                        }
                    }
                    bytes.addAndGet(b.size());
                    return;
                } catch (Registry.Retryable e) {
                    location = null;
                    reg.waitBeforeRetry(new Registry.Call("PUT", "", null, null, null, false, what), attempt, deadline,
                            e.retryAfter, e.problem);
                }
            }
        }
        chunked(repo, b, first, deadline);
    }

    /** PATCHes chunks in order; after a failure asks the session how far it got (Range) and goes on from there. */
    private void chunked(Repository repo, Blob b, Repository.Upload first, Instant deadline) throws IOException {
        Registry reg = repo.registry();
        String what = "upload of blob " + b.digest() + " to " + repo;
        String location = first.location();
        // The registry may ask for bigger chunks (OCI-Chunk-Min-Length); never smaller than ours.
        long chunk = Math.max(CHUNK, first.chunkMin());
        long offset = 0;
        int attempt = 0;
        Sequential data = new Sequential(b);
        try {
            while (true) {
                try {
                    if (location == null) {
                        location = repo.mountOrStart(b.digest(), null).location();
                        offset = 0;
                    }
                    while (offset < b.size()) {
                        long len = Math.min(chunk, b.size() - offset);
                        long start = offset;
                        Registry.Body body = new Registry.Body() {
                            @Override
                            public long length() {
                                return len;
                            }

                            @Override
                            public InputStream open() throws IOException {
                                return data.slice(start, len);
                            }
                        };
                        try (Registry.Response r = reg.send(new Registry.Call("PATCH", location,
                                Map.of("Content-Type", "application/octet-stream",
                                        "Content-Range", start + "-" + (start + len - 1)), body, repo.push(), false, what, true))) {
                            if (r.status() != 202) {
                                throw Repository.refused(r, what);
                            }
                            location = Repository.location(r, what);
                        }
                        offset += len;
                        // The budget measures time without progress: a big blob may take longer than it in all.
                        attempt = 0;
                        deadline = Instant.now().plus(client.options().retryBudget());
                    }
                    try (Registry.Response r = reg.send(new Registry.Call("PUT", Repository.withDigest(location, b.digest()),
                            Map.of("Content-Type", "application/octet-stream"), Registry.Body.of(new byte[0]), repo.push(),
                            false, what, true))) {
                        if (r.status() != 201) {
                            throw Repository.refused(r, what);
                        }
                    }
                    bytes.addAndGet(b.size());
                    return;
                } catch (Registry.Retryable e) {
                    attempt++;
                    reg.waitBeforeRetry(new Registry.Call("PATCH", "", null, null, null, false, what), attempt, deadline,
                            e.retryAfter, e.problem);
                    Progress at = location == null ? null : status(repo, location);
                    if (at == null) {
                        location = null;
                        offset = 0;
                    } else {
                        location = at.location();
                        offset = at.offset();
                    }
                } catch (RegistryException e) {
                    // 416: the session and we disagree on where it stands; start a new one, once per attempt budget.
                    if (!e.getMessage().contains(" 416") || ++attempt >= client.options().maxAttempts()) {
                        throw e;
                    }
                    location = null;
                    offset = 0;
                }
            }
        } finally {
            data.close();
        }
    }

    /** Where an upload session stands: the bytes it holds and the URL to go on with. */
    private record Progress(long offset, String location) {
    }

    /**
     * How far an upload session got (its {@code Range}) and its fresh Location (distribution encodes the offset in
     * the URL's state and refuses a stale one); null when the session is gone. {@code 0-0} is read as nothing
     * held: distribution writes it for an empty session, and a 416 later restarts the upload if it held a byte.
     */
    private Progress status(Repository repo, String location) {
        String what = "status of an upload to " + repo;
        try (Registry.Response r = repo.registry().send(new Registry.Call("GET", location, null, null, repo.push(), false,
                what))) {
            if (r.status() != 204) {
                return null;
            }
            String next = r.header("Location").isPresent() ? Repository.location(r, what) : location;
            String range = r.header("Range").orElse(null);
            if (range == null) {
                return new Progress(0, next);
            }
            String end = range.replaceFirst("^bytes=", "").replaceFirst("^0-", "").trim();
            long last = Long.parseLong(end);
            return new Progress(last == 0 ? 0 : last + 1, next);
        } catch (RegistryException | NumberFormatException e) {
            return null;
        }
    }

    /** Counts uploaded bytes for progress as the HTTP client reads them. */
    private final class Counting extends java.io.FilterInputStream {
        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                progress.accept(n);
            }
            return n;
        }
    }

    /**
     * A blob read once from start to end across chunks; a slice that is not where the stream stands (a retried
     * chunk) reopens it and skips ahead.
     */
    private final class Sequential {
        private final Blob blob;
        private InputStream in;
        private long pos;

        Sequential(Blob blob) {
            this.blob = blob;
        }

        InputStream slice(long start, long len) throws IOException {
            if (in == null || pos != start) {
                close();
                in = blob.open();
                pos = 0;
                in.skipNBytes(start);
                pos = start;
            }
            return new InputStream() {
                long left = len;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int n) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int got = in.read(b, off, (int) Math.min(n, left));
                    if (got < 0) {
                        throw new IOException("blob " + blob.digest() + " ended early");
                    }
                    left -= got;
                    pos += got;
                    progress.accept(got);
                    return got;
                }

                @Override
                public void close() {
                    // The blob's stream stays open for the next chunk.
                }
            };
        }

        void close() {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    // A read stream; nothing to lose.
                }
                in = null;
            }
        }
    }
}
