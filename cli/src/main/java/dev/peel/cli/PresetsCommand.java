package dev.peel.cli;

import dev.peel.spec.Presets;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "presets", mixinStandardHelpOptions = true,
        description = {"Lists the images peel ships as ready specs (distroless's catalog), one a line: name, then what it holds.",
                "Build one by name (peel build static -o out/static), or start a spec from one (base: static).",
                "A name without -debianNN is the debian12 one. Variants: NAME:nonroot (user 65532), NAME:debug (busybox",
                "at /busybox, entrypoint /busybox/sh), NAME:debug-nonroot. 'peel presets --show NAME' prints a preset's spec."},
        footer = ExitCodes.HELP)
final class PresetsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @CommandLine.Option(names = "--show", paramLabel = "NAME", description = "Print the spec of this preset (without its base or variant).")
    String show;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        if (show != null) {
            String text = Presets.specText(show).orElse(null);
            if (text == null) {
                command.commandLine().getErr().println("peel presets: there is no preset '" + show + "'; peel presets lists them");
                return ExitCodes.USAGE;
            }
            out.print(text);
            return ExitCodes.OK;
        }
        for (Presets.Preset p : Presets.all()) {
            out.printf("%-20s %s%n", p.name(), p.description());
        }
        return ExitCodes.OK;
    }
}
