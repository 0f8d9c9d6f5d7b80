package dev.peel.run;

import dev.peel.image.BlobLayer;
import dev.peel.image.BuiltImage;
import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.oci.Digest;
import dev.peel.oci.ImageConfig;
import dev.peel.oci.MediaType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Images made of given layer tars (uncompressed), for tests that unpack or run hand-made layers. */
public final class HostileImages {
    private HostileImages() {
    }

    /**
     * An amd64 image of {@code tars}, their blobs written under {@code dir}; {@code claimedDiffIds} (null: the real
     * ones) is what its config says the layers are.
     */
    public static Image image(Path dir, List<byte[]> tars, List<Digest> claimedDiffIds) throws IOException {
        return image(dir, tars, claimedDiffIds, ImageConfig.Container.empty());
    }

    public static Image image(Path dir, List<byte[]> tars, List<Digest> claimedDiffIds, ImageConfig.Container c)
            throws IOException {
        Files.createDirectories(dir);
        List<Layer> layers = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        for (int i = 0; i < tars.size(); i++) {
            byte[] t = tars.get(i);
            Digest d = Digest.of(t);
            Path f = dir.resolve(d.hex());
            Files.write(f, t);
            Digest diffId = claimedDiffIds == null ? d : claimedDiffIds.get(i);
            layers.add(new BlobLayer(f, d, diffId, t.length, new MediaType("application/vnd.oci.image.layer.v1.tar")));
            diffIds.add(diffId);
        }
        ImageConfig config = new ImageConfig("1970-01-01T00:00:00Z", "linux", "amd64", null, c, diffIds, List.of());
        return new BuiltImage(config, layers, Map.of());
    }
}
