package dev.peel.build;

import dev.peel.oci.Platform;
import java.nio.file.Path;

/**
 * Where a build goes: an OCI layout directory, an OCI archive, a docker-archive (one platform); any
 * may be null but not all.
 */
public record Outputs(Path layoutDir, Path ociTar, Path dockerTar, Platform dockerPlatform) {
    public Outputs {
        if (layoutDir == null && ociTar == null && dockerTar == null) {
            throw new IllegalArgumentException("no output given");
        }
    }

    public static Outputs layout(Path dir) {
        return new Outputs(dir, null, null, null);
    }
}
