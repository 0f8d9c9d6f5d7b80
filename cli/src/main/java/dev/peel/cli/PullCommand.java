package dev.peel.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Pulls an image or index from a registry into an OCI layout directory (or archive with --oci-tar).",
                "Every manifest, config and layer is checked against its digest and size before it is kept; the layout is",
                "written aside and moved into place when complete. Prints the pulled digest on stdout."},
        footer = ExitCodes.HELP)
final class PullCommand extends TransferCommand {
    @Parameters(index = "0", paramLabel = "REF", description = "REGISTRY/REPO[:TAG|@sha256:…].")
    String pullSource;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "The layout directory to write.")
    Path output;

    @Option(names = "--oci-tar", paramLabel = "FILE", description = "Write an OCI archive instead.")
    Path ociTar;

    @Override
    String name() {
        return "pull";
    }

    @Override
    public Integer call() {
        if ((output == null) == (ociTar == null)) {
            command.commandLine().getErr().println("peel pull: say where the image goes: -o DIR or --oci-tar FILE");
            return ExitCodes.USAGE;
        }
        String src = pullSource.startsWith("docker://") ? pullSource : "docker://" + pullSource;
        String dst = output != null ? "oci:" + output : "oci-archive:" + ociTar;
        return transfer(src, dst);
    }
}
