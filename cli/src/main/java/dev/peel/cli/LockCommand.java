package dev.peel.cli;

import dev.peel.build.BuildOptions;
import dev.peel.build.Resolution;
import dev.peel.debian.Lock;
import dev.peel.debian.RepositoryException;
import dev.peel.debian.Resolver;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "lock", mixinStandardHelpOptions = true,
        description = {"Resolves a spec's Debian packages and writes its lock beside it: image.yaml → image.lock.json.",
                "Per arch, each package's name, version, arch, source package, suite/component, pool path, SHA256",
                "and size; the sources with the digests of their InRelease files; the request it answers.",
                "A base image (registry reference or oci:DIR) is pinned: the digest its reference names now and each",
                "arch's manifest; peel build then uses that digest, never the tag."},
        footer = ExitCodes.HELP)
final class LockCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @CommandLine.Mixin
    DebianTarget target;

    @CommandLine.Mixin
    RegistryFlags registry;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        String badArch = Failures.unknownArch("lock", target.archs);
        if (badArch != null) {
            err.println(badArch);
            return ExitCodes.USAGE;
        }
        try {
            Spec s = Specs.load(target.spec);
            List<String> wanted = target.archs.isEmpty() ? s.archs() : target.archs;
            BuildOptions.Host host = new BuildOptions.Host(parent.cache(), System.getenv(), Path.of("/etc/apt"),
                    w -> err.println("peel: " + w), Instant.now());
            Lock lock = Resolution.lock(s, wanted, host, s.base() == null ? null : registry.client(parent, err));
            if (!parent.quiet) {
                String what = lock.base() == null ? "" : "the base " + lock.base().ref() + " at " + lock.base().digest()
                        + (lock.request() == null ? "" : " and ");
                String archs = String.join(", ", lock.base() != null ? lock.base().platforms().keySet() : lock.archs().keySet());
                err.println("locked " + what + (lock.request() == null ? "" : lock.archs().values().stream().mapToInt(List::size).sum()
                        + " packages") + " for " + archs + " → " + Resolution.lockPath(s));
            }
            out.println(Resolution.lockPath(s));
            out.flush();
            return ExitCodes.OK;
        } catch (SpecException | RepositoryException | Resolver.ResolveException | IOException e) {
            return Failures.report(e, err);
        }
    }
}
