package dev.peel.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "copy", mixinStandardHelpOptions = true,
        description = {"Copies an image or index between registries, OCI layout directories and OCI archives.",
                "SRC and DST are each [oci:]DIR[:TAG], oci-archive:FILE[:TAG] (or a path ending in .tar), or a registry",
                "reference [docker://]REGISTRY/REPO[:TAG|@sha256:…]; SRC may also be a legacy docker-archive (docker save,",
                "podman save). Media types are kept unless --format says otherwise. Blobs already at a registry are skipped, blobs in",
                "another repository of the same registry are mounted. Everything read is checked against its digest.",
                "Prints the copied digest on stdout (and REF@digest for a registry destination)."},
        footer = ExitCodes.HELP)
final class CopyCommand extends TransferCommand {
    @Parameters(index = "0", paramLabel = "SRC", description = "What to copy.")
    String source;

    @Parameters(index = "1", paramLabel = "DST", description = "Where to copy it.")
    String destination;

    @Override
    String name() {
        return "copy";
    }

    @Override
    public Integer call() {
        return transfer(source, destination);
    }
}
