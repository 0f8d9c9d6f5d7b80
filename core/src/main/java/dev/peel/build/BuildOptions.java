package dev.peel.build;

import dev.peel.cache.Cache;
import dev.peel.registry.RegistryClient;
import dev.peel.tar.Compression;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Everything a build takes besides the spec, passed explicitly (no system properties, no environment).
 *
 * @param sourceDateEpoch SOURCE_DATE_EPOCH, used when the spec has no {@code created}
 * @param compression overrides the spec's compression when not null
 * @param compressionLevel null for the compression's default
 * @param tags ref names for the layout's index.json (at least one; "latest" by default)
 * @param host where Debian packages come from and are cached; null: {@link Host#system()} when needed
 * @param registry the client a registry base is read with (credentials, TLS, retries); null: an anonymous one with
 *                 the defaults (enough for public and loopback registries)
 * @param skipUnavailableArchs when resolving, leave out (with a warning) an arch whose package indexes cannot be read
 *                 or verified, instead of failing; the image then has the other archs
 */
public record BuildOptions(OptionalLong sourceDateEpoch, Compression compression, Integer compressionLevel,
                           List<String> tags, Progress progress, Host host, RegistryClient registry,
                           boolean skipUnavailableArchs) {
    /**
     * What a build reads from the machine when it installs packages: the cache, the environment
     * (PEEL_DEBIAN_MIRROR, PEEL_DEBIAN_SNAPSHOT), the host's apt configuration, where warnings go, and the
     * time Releases are checked against (Valid-Until).
     */
    public record Host(Cache cache, Map<String, String> env, Path etcApt, Consumer<String> warnings, Instant now) {
        public static Host system() {
            return new Host(Cache.at(null, System.getenv()), System.getenv(), Path.of("/etc/apt"),
                    w -> System.err.println("peel: " + w), Instant.now());
        }
    }

    public BuildOptions {
        tags = tags == null || tags.isEmpty() ? List.of("latest") : List.copyOf(tags);
        progress = progress == null ? Progress.NONE : progress;
    }

    public BuildOptions(OptionalLong sourceDateEpoch, Compression compression, Integer compressionLevel, List<String> tags,
                        Progress progress, Host host, RegistryClient registry) {
        this(sourceDateEpoch, compression, compressionLevel, tags, progress, host, registry, false);
    }

    public BuildOptions(OptionalLong sourceDateEpoch, Compression compression, Integer compressionLevel, List<String> tags,
                        Progress progress) {
        this(sourceDateEpoch, compression, compressionLevel, tags, progress, null, null);
    }

    public BuildOptions(OptionalLong sourceDateEpoch, Compression compression, Integer compressionLevel, List<String> tags,
                        Progress progress, Host host) {
        this(sourceDateEpoch, compression, compressionLevel, tags, progress, host, null);
    }

    public static BuildOptions defaults() {
        return new BuildOptions(OptionalLong.empty(), null, null, null, null);
    }

    public BuildOptions withHost(Host h) {
        return new BuildOptions(sourceDateEpoch, compression, compressionLevel, tags, progress, h, registry,
                skipUnavailableArchs);
    }

    /** The same options reading registry bases with {@code client}. */
    public BuildOptions withRegistry(RegistryClient client) {
        return new BuildOptions(sourceDateEpoch, compression, compressionLevel, tags, progress, host, client,
                skipUnavailableArchs);
    }

    /** The same options leaving out archs whose indexes cannot be read (build --skip-unavailable-archs). */
    public BuildOptions withSkipUnavailableArchs(boolean skip) {
        return new BuildOptions(sourceDateEpoch, compression, compressionLevel, tags, progress, host, registry, skip);
    }
}
