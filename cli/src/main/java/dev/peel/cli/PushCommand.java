package dev.peel.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Pushes an OCI layout directory or archive (a build's -o, --oci-tar or --docker-tar output) to a registry;",
                "a legacy docker-archive (docker save before 25, podman save) is read as OCI unless --format docker.",
                "Blobs first (present ones skipped, others mounted or uploaded, several at once, retried), then manifests by",
                "digest, children before the index, and the tags last: a tag never points at something incomplete.",
                "Prints the pushed digest and REF@digest on stdout."},
        footer = ExitCodes.HELP)
final class PushCommand extends TransferCommand {
    @Parameters(index = "0", paramLabel = "SRC", description = "Layout directory or archive, optionally :TAG.")
    String pushSource;

    @Parameters(index = "1", paramLabel = "REF", description = "REGISTRY/REPO[:TAG]; the tag defaults to the layout's, else latest.")
    String pushTarget;

    @Override
    String name() {
        return "push";
    }

    @Override
    public Integer call() {
        String dst = pushTarget.startsWith("docker://") ? pushTarget : "docker://" + pushTarget;
        return transfer(pushSource, dst);
    }
}
