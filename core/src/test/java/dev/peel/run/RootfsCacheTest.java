package dev.peel.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.cache.Cache;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unpacked images in the cache: one entry each for peel cache, removed whole; a running container's folder kept. */
class RootfsCacheTest {
    @TempDir
    Path tmp;

    private static byte[] layer(String name, String text) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        try (var w = new dev.peel.tar.TarWriter(out)) {
            w.write(new dev.peel.tar.TarEntry("d", dev.peel.tar.TarEntry.Type.DIRECTORY, 0555, 0, 0, "root", "root", 0, null, null, 0, 0));
            w.write(new dev.peel.tar.TarEntry("d/" + name, dev.peel.tar.TarEntry.Type.FILE, 0444, 0, 0, "root", "root", 0, null,
                    dev.peel.tar.Content.ofBytes(text.getBytes(StandardCharsets.UTF_8)), 0, 0));
        }
        return out.toByteArray();
    }

    @Test
    void anUnpackedImageIsOneEntryPrunedWhole() throws Exception {
        Cache cache = new Cache(tmp.resolve("cache"));
        var image = HostileImages.image(tmp.resolve("blobs"), List.of(layer("a", "hello")), null);
        Rootfs.Unpacked u = Rootfs.of(cache, image, w -> { });
        assertEquals("hello", Files.readString(u.root().resolve("d/a")));
        List<Cache.Usage> info = cache.info();
        Cache.Usage rootfs = info.stream().filter(x -> x.kind().equals("rootfs")).findFirst().orElseThrow();
        assertEquals(1, rootfs.entries());
        assertTrue(rootfs.bytes() >= 5);
        // Read-only folders (0555) inside: removed all the same, and never left half there.
        Cache.Pruned p = cache.prune(null, 0L, Instant.now());
        assertTrue(p.entries() >= 1);
        try (Stream<Path> s = Files.list(tmp.resolve("cache/rootfs"))) {
            assertEquals(List.of(), s.toList());
        }
        assertFalse(Rootfs.of(cache, image, w -> { }).cached());
        assertTrue(Rootfs.of(cache, image, w -> { }).cached());
    }

    @Test
    void aRunningContainersFolderIsNotPruned() throws Exception {
        Cache cache = new Cache(tmp.resolve("cache"));
        Path state = Files.createDirectories(tmp.resolve("cache/run/c-1/upper"));
        Files.writeString(state.resolve("file"), "written by the container");
        Path lock = tmp.resolve("cache/run/c-1/lock");
        Instant later = Instant.now().plus(Duration.ofDays(2));
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // Another process's lock is what peel sees; in one JVM, an overlapping lock says the same.
            FileLock held = ch.lock();
            cache.prune(Duration.ofSeconds(1), 0L, later);
            assertTrue(Files.exists(state.resolve("file")));
            held.release();
        }
        cache.prune(Duration.ofSeconds(1), null, later);
        assertFalse(Files.exists(tmp.resolve("cache/run/c-1")));
    }
}
