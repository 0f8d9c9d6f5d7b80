package dev.peel.maven;

import dev.peel.build.Outputs;
import java.nio.file.Path;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/** Builds the image as an OCI layout (default target/peel/image) and writes target/peel/image.digest. */
@Mojo(name = "build", defaultPhase = LifecyclePhase.PACKAGE, requiresDependencyResolution = ResolutionScope.RUNTIME,
        threadSafe = true)
public class BuildMojo extends ImageMojo {
    @Parameter(property = "peel.output", defaultValue = "${project.build.directory}/peel/image")
    java.io.File output;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (!applies()) {
            return;
        }
        build(spec(), Outputs.layout(output.toPath()));
    }
}
