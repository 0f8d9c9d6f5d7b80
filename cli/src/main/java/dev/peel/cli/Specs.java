package dev.peel.cli;

import dev.peel.spec.Presets;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a SPEC argument names: a spec file, else a preset ({@code static}, {@code java17:nonroot}). */
final class Specs {
    private Specs() {
    }

    static Spec load(Path spec) throws SpecException {
        String name = spec.toString();
        if (!Files.isRegularFile(spec) && Presets.exists(name)) {
            return SpecParser.parsePreset(name, Path.of(""));
        }
        return SpecParser.parse(spec, name);
    }
}
