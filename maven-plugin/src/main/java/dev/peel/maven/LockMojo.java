package dev.peel.maven;

import dev.peel.build.Resolution;
import dev.peel.debian.Lock;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * Resolves the image's Debian packages (and pins a registry or layout base to its digest) and writes the project's
 * lock, {@code peel.lock.json} beside the pom: later builds install exactly those versions, read no index, and give
 * the same digest until the lock is renewed by running this goal again.
 */
@Mojo(name = "lock", requiresDependencyResolution = ResolutionScope.RUNTIME, threadSafe = true)
public class LockMojo extends ImageMojo {
    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (!applies()) {
            return;
        }
        Spec spec = spec();
        try {
            Lock lock = Resolution.lock(spec, spec.archs(), host(), spec.base() == null ? null
                    : client());
            Files.createDirectories(lockFile.toPath().toAbsolutePath().getParent());
            Files.copy(Resolution.lockPath(spec), lockFile.toPath(), StandardCopyOption.REPLACE_EXISTING);
            int packages = lock.archs().values().stream().mapToInt(List::size).sum();
            getLog().info("peel: locked " + (lock.base() == null ? "" : "the base at " + lock.base().digest() + " and ")
                    + packages + " packages for " + String.join(", ", lock.base() != null ? lock.base().platforms().keySet()
                    : lock.archs().keySet()) + " → " + lockFile);
        } catch (SpecException e) {
            throw new MojoFailureException("peel: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new MojoExecutionException("peel: " + e.getMessage(), e);
        }
    }
}
