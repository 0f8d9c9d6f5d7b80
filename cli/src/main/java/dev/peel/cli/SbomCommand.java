package dev.peel.cli;

import dev.peel.debian.Lock;
import dev.peel.image.Image;
import dev.peel.layout.Layout;
import dev.peel.oci.Descriptor;
import dev.peel.sbom.Sbom;
import dev.peel.sbom.SbomFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sbom", mixinStandardHelpOptions = true,
        description = {"Prints one platform's SBOM, derived from the image's layers: its Debian packages (from",
                "/var/lib/dpkg/status.d or /var/lib/dpkg/status), licences from their copyright files, and every file",
                "with its checksums and the package, spec entry or generation that accounts for it (docs/sbom.md).",
                "SRC is an OCI layout directory or a tar of one, optionally followed by :TAG, a docker-archive, or a",
                "registry reference (docker://REF, or REGISTRY/REPO[:TAG|@sha256:…]). An index needs --platform."},
        footer = ExitCodes.HELP)
final class SbomCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Mixin
    RegistryFlags registry;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "SRC", description = "Layout directory[:TAG], archive, or registry reference.")
    String src;

    @Option(names = "--platform", paramLabel = "PLATFORM", description = "The platform (os/arch[/variant] or a Debian arch).")
    String platform;

    @Option(names = "--format", paramLabel = "spdx|cyclonedx", defaultValue = "spdx",
            description = "SPDX 2.3 JSON (default) or CycloneDX 1.6 JSON.")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE (atomically) instead of stdout.")
    Path output;

    @Option(names = "--lock", paramLabel = "FILE",
            description = "The build's lock file: gives each package's pool URL and .deb SHA-256 (else NOASSERTION).")
    Path lock;

    @Override
    public Integer call() {
        PrintWriter err = command.commandLine().getErr();
        SbomFormat f;
        Lock l = null;
        try {
            f = SbomFormat.ofWord(format);
            if (lock != null) {
                l = Lock.parse(Files.readAllBytes(lock));
            }
        } catch (IllegalArgumentException | IOException e) {
            err.println("peel sbom: " + (lock != null && !(e instanceof IllegalArgumentException && e.getMessage().startsWith("unknown SBOM"))
                    ? lock + ": " : "") + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (!Files.exists(Path.of(src)) && InspectCommand.isRemote(src)) {
            try {
                dev.peel.oci.Platform wanted = platform == null ? null : dev.peel.oci.Platform.parseUserInput(platform);
                dev.peel.build.Endpoint e = dev.peel.build.Endpoint.parse(src);
                try (dev.peel.build.Transfer.Opened o = dev.peel.build.Transfer.open(e, registry.client(parent, err))) {
                    return emit(dev.peel.build.Transfer.select(o, wanted).images(), f, l, err);
                }
            } catch (IOException | IllegalArgumentException ex) {
                return Failures.reportTransfer("sbom", ex, err);
            }
        }
        ImageArg arg = ImageArg.parse(src, platform, "sbom", err);
        if (arg == null) {
            return ExitCodes.USAGE;
        }
        try (Layout layout = Layout.open(arg.path())) {
            Descriptor top = layout.resolve(arg.tag());
            List<Image> images = arg.select(layout.imagesUnder(top), "sbom", src, err);
            if (images.isEmpty()) {
                return ExitCodes.USAGE;
            }
            return emit(images, f, l, err);
        } catch (IOException e) {
            err.println("peel sbom: " + src + ": " + e.getMessage());
            return ExitCodes.FAILED;
        }
    }

    private int emit(List<Image> images, SbomFormat f, Lock l, PrintWriter err) throws IOException {
        if (images.size() != 1) {
            err.println("peel sbom: " + src + " holds " + images.size() + " platforms; choose one with --platform ("
                    + String.join(", ", images.stream().map(i -> i.config().platform().toString()).toList()) + ")");
            return ExitCodes.USAGE;
        }
        byte[] bytes = Sbom.read(images.get(0), src, l).write(f);
        if (output == null) {
            System.out.flush();
            PrintWriter out = command.commandLine().getOut();
            out.print(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            out.flush();
        } else {
            writeAtomically(output, bytes);
        }
        return ExitCodes.OK;
    }

    /** Written aside and renamed into place, so no reader sees half a document. */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".sbom-", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
