package dev.peel.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "debug", mixinStandardHelpOptions = true,
        description = {"As run, plus a toolbox: Debian's busybox-static for the image's arch and",
                "suite, fetched and verified through peel's chain of trust and cache, mounted",
                "read-only at /.peel/bin (first on PATH), and a shell (/.peel/bin/busybox sh)",
                "instead of the image's command; CMD ARGS after -- run through that shell.",
                "The image's own files are untouched; --keep leaves the container's writes",
                "in a folder for inspection."},
        footer = Runs.HELP)
final class DebugCommand implements Callable<Integer> {
    /** run's flags and the suite of the toolbox. */
    static final class DebugFlags extends Runs.Flags {
        @Option(names = "--suite", paramLabel = "SUITE",
                description = "The Debian suite of the toolbox (default: the image's VERSION_CODENAME).")
        String suite;
    }

    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Mixin
    RegistryFlags registry;

    @CommandLine.Mixin
    DebugFlags flags;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Layout folder[:TAG], archive, registry reference, spec file or preset.")
    String image;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "After --: a command to run instead of the shell (the toolbox on PATH).")
    List<String> cmd = new ArrayList<>();

    @Override
    public Integer call() {
        return RunCommand.execute(command.commandLine().getErr(), parent, registry, flags, image, cmd, true, "debug");
    }
}
