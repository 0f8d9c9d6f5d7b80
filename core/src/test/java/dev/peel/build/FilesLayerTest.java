package dev.peel.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peel.spec.SpecParser;
import dev.peel.tar.TarEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesLayerTest {
    @TempDir
    Path tmp;

    @Test
    void hardlinkedSourcesStayHardlinksAndSymlinksStayLinks() throws Exception {
        Path site = Files.createDirectories(tmp.resolve("site/bin"));
        Files.writeString(site.resolve("a"), "same inode");
        Files.createLink(site.resolve("b"), site.resolve("a"));
        Files.createSymbolicLink(site.resolve("c"), Path.of("a"));
        Files.writeString(tmp.resolve("spec.yaml"), "files: [{path: /opt, source: site}]\n");
        List<TarEntry> es = FilesLayer.entries(SpecParser.parse(tmp.resolve("spec.yaml")), 0);
        assertEquals(List.of("opt DIRECTORY", "opt/bin DIRECTORY", "opt/bin/a FILE", "opt/bin/b HARDLINK opt/bin/a",
                        "opt/bin/c SYMLINK a"),
                es.stream().map(e -> e.path() + " " + e.type() + (e.linkTarget() == null ? "" : " " + e.linkTarget())).toList());
    }
}
