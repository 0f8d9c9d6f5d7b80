package dev.peel.cli;

import dev.peel.registry.Reference;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "tags", mixinStandardHelpOptions = true,
        description = "Lists a registry repository's tags, one a line, in the registry's order (all pages).",
        footer = ExitCodes.HELP)
final class TagsCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @CommandLine.Mixin
    RegistryFlags registry;

    @Parameters(index = "0", paramLabel = "REPO", description = "[docker://]REGISTRY/REPO (a tag or digest is ignored).")
    String repo;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        Reference ref;
        try {
            ref = Reference.parse(repo.startsWith("docker://") ? repo.substring(9) : repo);
        } catch (IllegalArgumentException e) {
            err.println("peel tags: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        try {
            List<String> tags = registry.client(parent, err).repository(ref).tags();
            for (String t : tags) {
                out.println(t);
            }
            out.flush();
            return ExitCodes.OK;
        } catch (IOException | IllegalArgumentException e) {
            return Failures.reportTransfer("tags", e, err);
        }
    }
}
