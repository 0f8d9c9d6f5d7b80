package dev.peel.cli;

import dev.peel.build.Endpoint;
import dev.peel.build.Transfer;
import dev.peel.image.Image;
import dev.peel.spec.SpecException;
import dev.peel.structure.CommandRunner;
import dev.peel.structure.Report;
import dev.peel.structure.StructureTests;
import dev.peel.structure.Suite;
import dev.peel.structure.SuiteParser;
import dev.peel.structure.TestResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "test", mixinStandardHelpOptions = true,
        description = {"Runs container-structure-test files (schema 2.0.0) against an image: file existence, file content,",
                "license and metadata tests read the image's layers (whiteouts applied; nothing is unpacked), command tests run",
                "in a container of the image. Prints container-structure-test's report: '=== RUN:' and '--- PASS' or",
                "'--- FAIL' per test, then Passes, Failures, Duration and PASS or FAIL (docs/cli.md#peel-test).",
                "IMAGE is an OCI layout directory or a tar of one, optionally followed by :TAG, a docker-archive, or a",
                "registry reference (docker://REF, or REGISTRY/REPO[:TAG|@sha256:…]). Every platform of an index is tested",
                "in turn unless --platform names one."},
        footer = {"", "Exit code 1 also when a test fails or no test ran; 2 for a test file that is not valid (file:line).",
                ExitCodes.HELP})
final class TestCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Mixin
    RegistryFlags registry;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Layout directory[:TAG], archive, or registry reference.")
    String image;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TESTS.yaml",
            description = "container-structure-test files (YAML or JSON), run in order.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--platform", paramLabel = "PLATFORM",
            description = "Test only this platform (os/arch[/variant] or a Debian arch); default: every platform.")
    String platform;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write the results as JUnit XML (for CI).")
    Path junit;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        List<Suite> suites = new ArrayList<>();
        try {
            for (Path f : files) {
                suites.add(SuiteParser.parse(f, f.toString()));
            }
        } catch (SpecException e) {
            err.println("peel test: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Report report = new Report(parent.quiet ? null : out);
        try {
            dev.peel.oci.Platform wanted = platform == null ? null : dev.peel.oci.Platform.parseUserInput(platform);
            Endpoint e = Endpoint.parse(image);
            if (e instanceof Endpoint.Local l && !Files.exists(l.path())) {
                err.println("peel test: " + image + " does not exist");
                return ExitCodes.USAGE;
            }
            try (Transfer.Opened o = Transfer.open(e, e instanceof Endpoint.Remote ? registry.client(parent, err) : null)) {
                // An index's attestation entries (buildx's, platform unknown/unknown) hold no file system to test.
                List<Image> all = o.images().stream().filter(i -> !"unknown".equals(i.config().os())).toList();
                List<Image> images = wanted == null ? all : all.stream().filter(i -> i.config().platform().matches(wanted)).toList();
                if (images.isEmpty()) {
                    err.println("peel test: no image for " + wanted + " in " + image + " (it has " + String.join(", ",
                            all.stream().map(i -> i.config().platform().toString()).toList()) + ")");
                    return ExitCodes.USAGE;
                }
                run(images, suites, report, parent, err);
            }
        } catch (IOException | IllegalArgumentException ex) {
            return Failures.reportTransfer("test", ex, err);
        }
        report.summary();
        out.flush();
        if (junit != null) {
            try {
                SbomCommand.writeAtomically(junit, report.junit());
            } catch (IOException ex) {
                err.println("peel test: --junit " + junit + ": " + ex.getMessage());
                return ExitCodes.FAILED;
            }
        }
        return report.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** Runs every file against every image (a platform each), adding the results to {@code report}. */
    static void run(List<Image> images, List<Suite> suites, Report report, Main parent, PrintWriter err) throws IOException {
        for (Image img : images) {
            String platform = images.size() > 1 ? img.config().platform().toString() : null;
            try (CommandRunner runner = runner(img, parent, err)) {
                List<List<TestResult>> results = new StructureTests(img, runner).run(suites);
                for (int i = 0; i < suites.size(); i++) {
                    report.section(suites.get(i).file(), platform, results.get(i));
                }
            }
        }
    }

    /**
     * The runner that executes a command test's setup, command and teardown in a container of {@code image}: peel
     * run's sandbox over the image's unpacked root file system (unpacked once into the cache).
     */
    static CommandRunner runner(Image image, Main parent, PrintWriter err) {
        return Runs.runner(image, parent, err);
    }
}
