package dev.peel.cli;

import dev.peel.build.Build;
import dev.peel.build.BuildException;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.build.Progress;
import dev.peel.oci.Platform;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import dev.peel.tar.Compression;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Builds the image a spec describes.",
                "Prints the image's digest on stdout: the manifest's for one arch, the index's for several.",
                "Outputs are written aside and moved into place only when the whole build succeeded."},
        footer = {"", "Timestamps come from the spec's 'created', else SOURCE_DATE_EPOCH, else 1970-01-01.", ExitCodes.HELP})
final class BuildCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "SPEC", description = "The image spec (YAML), or a preset name: static, base:nonroot, cc-debian13:debug, … (peel presets).")
    Path spec;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Write an OCI image layout directory.")
    Path output;

    @Option(names = "--oci-tar", paramLabel = "FILE", description = "Write the OCI image layout as a tar.")
    Path ociTar;

    @Option(names = "--docker-tar", paramLabel = "FILE",
            description = "Write a docker-archive for docker/podman load (one platform; see --platform).")
    Path dockerTar;

    @Option(names = "--platform", paramLabel = "PLATFORM",
            description = "The platform for --docker-tar: os/arch[/variant] or a Debian arch (default: the host's).")
    String platform;

    @Option(names = {"-t", "--tag"}, paramLabel = "TAG",
            description = "Tag in index.json (org.opencontainers.image.ref.name); repeatable; default: latest.")
    List<String> tags = new ArrayList<>();

    @Option(names = "--arch", paramLabel = "ARCH", split = ",",
            description = "Build for these Debian architectures instead of the spec's archs (repeatable or comma-separated).")
    List<String> archs = new ArrayList<>();

    @Option(names = "--compression", paramLabel = "ALG", description = "gzip (default), zstd or none; overrides the spec.")
    String compression;

    @Option(names = "--level", paramLabel = "N", description = "Compression level (gzip 1-9, default 6; zstd 1-19, default 3).")
    Integer level;

    @Override
    public Integer call() {
        PrintWriter err = command.commandLine().getErr();
        PrintWriter out = command.commandLine().getOut();
        if (output == null && ociTar == null && dockerTar == null) {
            err.println("peel build: say where the image goes: -o DIR, --oci-tar FILE or --docker-tar FILE");
            return ExitCodes.USAGE;
        }
        Compression c = null;
        if (compression != null) {
            c = Compression.parse(compression);
            if (c == null) {
                err.println("peel build: unknown --compression '" + compression + "'; use gzip, zstd or none");
                return ExitCodes.USAGE;
            }
        }
        Platform dockerPlatform = null;
        if (platform != null) {
            if (dockerTar == null) {
                err.println("peel build: --platform chooses the image for --docker-tar; give --docker-tar too");
                return ExitCodes.USAGE;
            }
            try {
                dockerPlatform = Platform.parseUserInput(platform);
            } catch (IllegalArgumentException e) {
                err.println("peel build: " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
        for (String t : tags) {
            if (t.isEmpty() || !t.matches("[A-Za-z0-9._/:@-]+")) {
                err.println("peel build: --tag '" + t + "' is not a valid tag or reference");
                return ExitCodes.USAGE;
            }
        }
        OptionalLong sde;
        try {
            sde = sourceDateEpoch();
        } catch (NumberFormatException e) {
            err.println("peel build: SOURCE_DATE_EPOCH must be a whole number of seconds, not '"
                    + System.getenv("SOURCE_DATE_EPOCH") + "'");
            return ExitCodes.USAGE;
        }

        Progress progress = TerminalProgress.forTerminal(parent.quiet);
        try {
            String badArch = Failures.unknownArch("build", archs);
            if (badArch != null) {
                done(progress);
                err.println(badArch);
                return ExitCodes.USAGE;
            }
            Spec s = Specs.load(spec);
            if (!archs.isEmpty()) {
                s = s.withArchs(new ArrayList<>(new java.util.LinkedHashSet<>(archs)));
            }
            BuildOptions options = new BuildOptions(sde, c, level, tags, progress, new BuildOptions.Host(parent.cache(),
                    System.getenv(), Path.of("/etc/apt"), w -> {
                        done(progress);
                        err.println("peel: " + w);
                    }, java.time.Instant.now()));
            Build build = new Build(s, options);
            if (level != null) {
                Compression effective = build.compression();
                int max = effective == Compression.ZSTD ? 19 : effective == Compression.GZIP ? 9 : 0;
                if (level < 1 || level > max) {
                    done(progress);
                    err.println("peel build: --level " + level + " does not apply to " + effective.spelling()
                            + (max > 0 ? " (1 to " + max + ")" : ""));
                    return ExitCodes.USAGE;
                }
            }
            Build.Result r = build.run(new Outputs(output, ociTar, dockerTar, dockerPlatform));
            done(progress);
            out.println(r.digest());
            out.flush();
            if (!parent.quiet) {
                List<String> platforms = r.images().stream().map(i -> i.config().platform().toString()).toList();
                err.println("built " + spec + " → " + r.written().stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse("")
                        + " (" + String.join(", ", platforms) + ")");
            }
            return ExitCodes.OK;
        } catch (SpecException | BuildException | dev.peel.debian.RepositoryException | dev.peel.debian.Resolver.ResolveException e) {
            done(progress);
            return Failures.report(e, err);
        }
    }

    private static void done(Progress p) {
        if (p instanceof TerminalProgress t) {
            t.done();
        }
    }

    private static OptionalLong sourceDateEpoch() {
        String v = System.getenv("SOURCE_DATE_EPOCH");
        if (v == null || v.isBlank()) {
            return OptionalLong.empty();
        }
        long t = Long.parseLong(v.trim());
        if (t < 0) {
            throw new NumberFormatException("negative");
        }
        return OptionalLong.of(t);
    }
}
