package dev.peel.run;

import dev.peel.cache.Cache;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.oci.Digest;
import dev.peel.tar.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Images unpacked for running, kept in peel's cache under {@code rootfs/<key>/root}, one tree per chain of
 * layers (the key is the config's diffIDs, each checked against the bytes while unpacking), so a second run
 * of an image starts without unpacking. A tree is made in a temp folder beside it and renamed into place only
 * when complete: an interrupted or refused unpack leaves nothing behind.
 */
public final class Rootfs {
    public static final String KIND = "rootfs";
    static final String COMPLETE = "complete";

    /** An unpacked tree: {@code root} is what the container sees as /. */
    public record Unpacked(Path root, boolean cached) {
    }

    private Rootfs() {
    }

    /** The cache key of an image's tree: the unpacker's version and the layers' diffIDs in order. */
    public static String key(Image image) {
        StringBuilder b = new StringBuilder(Unpacker.VERSION).append('\n');
        image.config().diffIds().forEach(d -> b.append(d).append('\n'));
        return Digest.of(b.toString().getBytes(StandardCharsets.UTF_8)).hex();
    }

    /** The image's tree from the cache, or unpacked into it now. */
    public static Unpacked of(Cache cache, Image image, Consumer<String> warn) throws IOException {
        Path base = Files.createDirectories(cache.root().resolve(KIND));
        Path dir = base.resolve(key(image));
        Path root = dir.resolve("root");
        if (Files.isRegularFile(dir.resolve(COMPLETE)) && Files.isDirectory(root)) {
            try {
                // Marked used, for peel cache prune.
                Files.setLastModifiedTime(dir.resolve(COMPLETE), FileTime.from(Instant.now()));
            } catch (IOException e) {
                // Only the pruning order depends on it.
            }
            return new Unpacked(root, true);
        }
        Path tmp = Files.createTempDirectory(base, ".unpack-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        try {
            Path into = Files.createDirectory(tmp.resolve("root"));
            Files.setPosixFilePermissions(into, Unpacker.permissions(0755));
            unpack(image, into, Unpacker.Limits.forFolder(base), warn);
            Files.writeString(tmp.resolve(COMPLETE), image.digest() + "\n");
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // Another run unpacked the same layers meanwhile: its tree is the same.
                dev.peel.io.Trees.delete(tmp);
            }
            return new Unpacked(root, false);
        } catch (IOException | RuntimeException e) {
            dev.peel.io.Trees.delete(tmp);
            throw e;
        }
    }

    /**
     * Unpacks every layer of {@code image} into {@code into}, checking each layer's digest and diffID. One thread
     * reads, checks and decompresses the layers in order, a bounded buffer ahead of the one that writes the tree,
     * so both cores work; a layer whose bytes do not match is an error once its last byte is read.
     */
    public static void unpack(Image image, Path into, Unpacker.Limits limits, Consumer<String> warn) throws IOException {
        List<Layer> layers = image.layers();
        List<Digest> diffIds = image.config().diffIds();
        if (layers.size() != diffIds.size()) {
            throw new IOException("the image has " + layers.size() + " layers but its config lists " + diffIds.size()
                    + " diffIDs");
        }
        List<Pipe> pipes = new java.util.ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            pipes.add(new Pipe());
        }
        Thread reader = new Thread(() -> {
            for (int i = 0; i < layers.size(); i++) {
                if (!decompress(layers.get(i), diffIds.get(i), what(layers.get(i), i), pipes.get(i))) {
                    return;
                }
            }
        }, "peel-unpack-read");
        reader.setDaemon(true);
        reader.start();
        try {
            Unpacker u = new Unpacker(into, limits, warn);
            for (int i = 0; i < layers.size(); i++) {
                try (InputStream tar = pipes.get(i)) {
                    u.layer(tar, what(layers.get(i), i));
                    // The rest (the archive's end blocks), so that a digest mismatch, reported at the end, is seen.
                    tar.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
            u.finish();
        } finally {
            pipes.forEach(Pipe::abandon);
            reader.interrupt();
        }
    }

    private static String what(Layer l, int i) {
        return "layer " + (i + 1) + " (" + l.digest() + ")";
    }

    /** Reads, checks and decompresses one layer into {@code pipe}; false when the writer gave up or it failed. */
    private static boolean decompress(Layer l, Digest diffId, String what, Pipe pipe) {
        try {
            Compression c = Compression.ofMediaType(l.mediaType().value());
            if (c == null) {
                throw new IOException(what + ": not a tar layer (" + l.mediaType() + ")");
            }
            MessageDigest blobHash = Digest.sha256();
            MessageDigest tarHash = Digest.sha256();
            try (InputStream raw = l.open();
                 DigestInputStream blob = new Hashing(raw, blobHash);
                 DigestInputStream tar = new Hashing(c.decompress(blob), tarHash)) {
                byte[] buf = new byte[Pipe.CHUNK];
                for (int n = tar.readNBytes(buf, 0, buf.length); n > 0; n = tar.readNBytes(buf, 0, buf.length)) {
                    pipe.put(java.util.Arrays.copyOf(buf, n));
                }
                blob.transferTo(java.io.OutputStream.nullOutputStream());
            }
            String blobHex = HexFormat.of().formatHex(blobHash.digest());
            if (!blobHex.equals(l.digest().hex())) {
                throw new IOException(what + ": its bytes have digest sha256:" + blobHex + ", not the manifest's");
            }
            String tarHex = HexFormat.of().formatHex(tarHash.digest());
            if (!tarHex.equals(diffId.hex())) {
                throw new IOException(what + ": its tar has digest sha256:" + tarHex + ", not the config's diffID " + diffId);
            }
            pipe.end(null);
            return true;
        } catch (InterruptedException e) {
            return false;
        } catch (IOException | RuntimeException e) {
            pipe.end(e instanceof IOException io ? io : new IOException(what + ": " + e, e));
            return false;
        }
    }

    /** Chunks of one layer's tar from the reading thread to the writing one, at most 16 MiB ahead. */
    private static final class Pipe extends InputStream {
        static final int CHUNK = 256 * 1024;
        private static final byte[] END = new byte[0];
        private final java.util.concurrent.BlockingQueue<byte[]> chunks = new java.util.concurrent.ArrayBlockingQueue<>(64);
        private volatile IOException failure;
        private volatile boolean abandoned;
        private byte[] current = new byte[0];
        private int pos;
        private boolean ended;

        void put(byte[] chunk) throws InterruptedException, IOException {
            while (!chunks.offer(chunk, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (abandoned) {
                    throw new InterruptedException();
                }
            }
        }

        void end(IOException e) {
            failure = e;
            try {
                while (!abandoned && !chunks.offer(END, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    // The writer is busy; wait for room.
                }
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
        }

        void abandon() {
            abandoned = true;
            chunks.clear();
        }

        private boolean fill() throws IOException {
            while (pos == current.length) {
                if (ended) {
                    return false;
                }
                try {
                    current = chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                pos = 0;
                if (current == END) {
                    ended = true;
                    if (failure != null) {
                        throw failure;
                    }
                    return false;
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? current[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long done = 0;
            while (done < n && fill()) {
                int k = (int) Math.min(n - done, current.length - pos);
                pos += k;
                done += k;
            }
            return done;
        }
    }

    /** A digesting stream whose skipped bytes are digested too (the tar reader skips padding). */
    private static final class Hashing extends DigestInputStream {
        private final byte[] buffer = new byte[8192];

        Hashing(InputStream in, MessageDigest md) {
            super(in, md);
        }

        @Override
        public long skip(long n) throws IOException {
            long done = 0;
            while (done < n) {
                int r = read(buffer, 0, (int) Math.min(buffer.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }
    }
}
