package dev.peel.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What resolve and lock both take: a spec with a debian section, and the archs to work for. */
final class DebianTarget {
    @Parameters(index = "0", paramLabel = "SPEC", description = "The image spec (YAML) with a debian section, or a preset name (peel presets).")
    Path spec;

    @Option(names = "--arch", paramLabel = "ARCH", description = "Debian architecture(s) (default: the spec's archs).")
    List<String> archs = new ArrayList<>();
}
