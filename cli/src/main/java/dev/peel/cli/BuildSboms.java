package dev.peel.cli;

import dev.peel.debian.Lock;
import dev.peel.image.Image;
import dev.peel.layout.Layout;
import dev.peel.oci.Platform;
import dev.peel.sbom.Sbom;
import dev.peel.sbom.SbomFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** build --sbom: each built platform's SBOMs beside the output, {@code <output>.<os>-<arch>[-<variant>]<suffix>}. */
final class BuildSboms {
    private BuildSboms() {
    }

    /** The formats a --sbom list names; an {@link IllegalArgumentException} for an unknown word. */
    static List<SbomFormat> parse(List<String> words) {
        List<SbomFormat> out = new ArrayList<>();
        for (String w : words) {
            SbomFormat f = SbomFormat.ofWord(w.strip());
            if (!out.contains(f)) {
                out.add(f);
            }
        }
        return out;
    }

    /** Reads the images back from {@code output} (a layout dir or archive) and writes their SBOMs; returns the files. */
    static List<Path> write(Path output, String name, Lock lock, List<SbomFormat> formats) throws IOException {
        List<Path> written = new ArrayList<>();
        try (Layout layout = Layout.open(output)) {
            for (Image image : layout.imagesUnder(layout.resolve(null))) {
                Sbom sbom = Sbom.read(image, name, lock);
                for (SbomFormat f : formats) {
                    Path file = path(output, image.config().platform(), f);
                    SbomCommand.writeAtomically(file, sbom.write(f));
                    written.add(file);
                }
            }
        }
        return written;
    }

    static Path path(Path output, Platform p, SbomFormat f) {
        Path abs = output.toAbsolutePath().normalize();
        String platform = p.os() + "-" + p.architecture() + (p.variant() == null ? "" : "-" + p.variant());
        return abs.resolveSibling(abs.getFileName() + "." + platform + f.suffix());
    }
}
