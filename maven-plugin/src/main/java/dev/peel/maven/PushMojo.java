package dev.peel.maven;

import dev.peel.build.Outputs;
import dev.peel.build.Transfer;
import dev.peel.layout.Layout;
import dev.peel.registry.BlobLocations;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.spec.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * Builds the image and pushes it to {@code image} (REGISTRY/REPO[:TAG]) and every tag, with docker's and podman's
 * credentials; retries, mounts and digest checks are peel's registry client's.
 */
@Mojo(name = "push", defaultPhase = LifecyclePhase.DEPLOY, requiresDependencyResolution = ResolutionScope.RUNTIME,
        threadSafe = true)
public class PushMojo extends ImageMojo {
    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (!applies()) {
            return;
        }
        if (image == null || image.isBlank()) {
            throw new MojoFailureException("peel:push needs <image> (or -Dpeel.image=REGISTRY/REPO[:TAG])");
        }
        Reference ref;
        try {
            ref = Reference.parse(image.startsWith("docker://") ? image.substring(9) : image);
        } catch (IllegalArgumentException e) {
            throw new MojoFailureException("peel: <image> " + image + ": " + e.getMessage());
        }
        Spec spec = spec();
        Path layout;
        try {
            layout = work().resolve("push-image");
        } catch (java.io.IOException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        }
        String digest = build(spec, Outputs.layout(layout));
        if (digest == null) {
            return;
        }
        List<String> pushTags = new ArrayList<>();
        if (ref.tag() != null) {
            pushTags.add(ref.tag());
        }
        for (String t : tags) {
            if (!pushTags.contains(t)) {
                pushTags.add(t);
            }
        }
        if (pushTags.isEmpty()) {
            pushTags.add("latest");
        }
        Map<String, String> env = System.getenv();
        try (Layout l = Layout.open(layout)) {
            RegistryClient client = client();
            Transfer.Opened o = new Transfer.Opened(l, l.resolve(null), pushTags, layout.toString(), null);
            Path cacheRoot = dev.peel.cache.Cache.at(cache == null ? null : cache.toPath(), env).root();
            Transfer.toRegistry(o, ref, pushTags, client, BlobLocations.inCache(cacheRoot), 4, null);
            getLog().info("peel: pushed " + ref.name() + "@" + digest + " (tags " + String.join(", ", pushTags) + ")");
        } catch (Exception e) {
            throw new MojoExecutionException("peel: push to " + ref + " failed: " + e.getMessage(), e);
        }
    }
}
