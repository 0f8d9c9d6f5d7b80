package dev.peel.build;

import dev.peel.tar.Compression;
import java.util.List;
import java.util.OptionalLong;

/**
 * Everything a build takes besides the spec, passed explicitly (no system properties, no environment).
 *
 * @param sourceDateEpoch SOURCE_DATE_EPOCH, used when the spec has no {@code created}
 * @param compression overrides the spec's compression when not null
 * @param compressionLevel null for the compression's default
 * @param tags ref names for the layout's index.json (at least one; "latest" by default)
 */
public record BuildOptions(OptionalLong sourceDateEpoch, Compression compression, Integer compressionLevel,
                           List<String> tags, Progress progress) {
    public BuildOptions {
        tags = tags == null || tags.isEmpty() ? List.of("latest") : List.copyOf(tags);
        progress = progress == null ? Progress.NONE : progress;
    }

    public static BuildOptions defaults() {
        return new BuildOptions(OptionalLong.empty(), null, null, null, null);
    }
}
