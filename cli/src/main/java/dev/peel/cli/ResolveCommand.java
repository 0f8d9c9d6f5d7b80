package dev.peel.cli;

import dev.peel.build.BaseImage;
import dev.peel.build.BuildOptions;
import dev.peel.build.Resolution;
import dev.peel.debian.RepositoryException;
import dev.peel.debian.Resolver;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "resolve", mixinStandardHelpOptions = true,
        description = {"Prints the Debian packages a spec's debian section would install: one 'name version arch'",
                "a line, sorted by name, as apt-get -s would install them on an empty system (no Recommends).",
                "Indexes are verified along the chain InRelease → Packages before use."},
        footer = ExitCodes.HELP)
final class ResolveCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @CommandLine.Mixin
    DebianTarget target;

    @Option(names = "--why", paramLabel = "PKG", description = "Print the chain that pulled PKG in, instead of the list.")
    String why;

    @CommandLine.Mixin
    RegistryFlags registry;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        String badArch = Failures.unknownArch("resolve", target.archs);
        if (badArch != null) {
            err.println(badArch);
            return ExitCodes.USAGE;
        }
        try {
            Spec s = Specs.load(target.spec);
            List<String> wanted = target.archs.isEmpty() ? s.archs() : target.archs;
            String stale = Resolution.staleLock(s, wanted);
            if (stale != null) {
                err.println("peel: note: " + stale);
            }
            Map<String, Resolver.Result> results;
            if (s.base() == null) {
                results = Resolution.resolve(s, wanted, System.getenv(), Path.of("/etc/apt"), w -> err.println("peel: " + w),
                        Instant.now(), parent.cache());
            } else {
                // On a base image, what it has installed is not installed again: resolve on it.
                BuildOptions.Host host = new BuildOptions.Host(parent.cache(), System.getenv(), Path.of("/etc/apt"),
                        w -> err.println("peel: " + w), Instant.now());
                try (BaseImage base = BaseImage.open(s.base(), null, registry.client(parent, err), parent.cache())) {
                    results = Resolution.resolve(s, wanted, host, base);
                }
                for (Map.Entry<String, Resolver.Result> e : results.entrySet()) {
                    if (!e.getValue().kept().isEmpty()) {
                        err.println("peel: on the base for " + e.getKey() + ", already installed: " + String.join(", ",
                                e.getValue().kept().values().stream().map(p -> p.name() + " " + p.versionText()).toList()));
                    }
                }
            }
            for (Map.Entry<String, Resolver.Result> e : results.entrySet()) {
                if (why != null) {
                    String chain = e.getValue().why().get(why);
                    if (chain == null) {
                        err.println("peel resolve: " + why + " is not in the closure for " + e.getKey());
                        return ExitCodes.FAILED;
                    }
                    out.println(why + " (" + e.getKey() + "): " + chain);
                } else {
                    e.getValue().lines().forEach(out::println);
                }
            }
            out.flush();
            return ExitCodes.OK;
        } catch (SpecException | RepositoryException | Resolver.ResolveException | java.io.IOException e) {
            return Failures.report(e, err);
        }
    }
}
