package dev.peel.maven;

import dev.peel.build.Outputs;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/** Builds the image as a docker-archive tar (default target/peel/image.tar) for docker load / podman load. */
@Mojo(name = "tar", defaultPhase = LifecyclePhase.PACKAGE, requiresDependencyResolution = ResolutionScope.RUNTIME,
        threadSafe = true)
public class TarMojo extends ImageMojo {
    @Parameter(property = "peel.tarFile", defaultValue = "${project.build.directory}/peel/image.tar")
    java.io.File tarFile;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (!applies()) {
            return;
        }
        build(spec(), new Outputs(null, null, tarFile.toPath(), null));
    }
}
