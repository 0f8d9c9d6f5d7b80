package dev.peel.tar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerTreeTest {
    static Content text(String s) {
        return Content.ofBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    static List<String> paths(List<TarEntry> es) {
        return es.stream().map(e -> e.type() == TarEntry.Type.HARDLINK ? e.path() + "=>" + e.linkTarget() : e.path()).toList();
    }

    @Test
    void addsMissingParentsAsRootOwned0755AndSortsByBytes() throws Exception {
        LayerTree t = new LayerTree(7);
        t.add(TarEntry.file("usr/local/bin/hello", 0755, 1, 1, 9, text("x")), "a");
        t.add(TarEntry.file("usr/local-b", 0644, 0, 0, 9, text("y")), "b");
        t.add(TarEntry.directory("usr/local", 0700, 5, 5, 9), "c");
        List<TarEntry> es = t.entries();
        assertEquals(List.of("usr", "usr/local", "usr/local-b", "usr/local/bin", "usr/local/bin/hello"), paths(es));
        TarEntry usr = es.get(0);
        assertEquals(0755, usr.mode());
        assertEquals(0, usr.uid());
        assertEquals(7, usr.mtime());
        assertEquals(0700, es.get(1).mode(), "an explicit directory keeps its own mode");
    }

    @Test
    void identicalDuplicatesCollapseAndDifferentOnesNameBothOrigins() throws Exception {
        LayerTree t = new LayerTree(0);
        t.add(TarEntry.file("etc/a", 0644, 0, 0, 0, text("same")), "first");
        t.add(TarEntry.file("etc/a", 0644, 0, 0, 0, text("same")), "second");
        assertEquals(2, t.entries().size());
        LayerTree.ConflictException e = assertThrows(LayerTree.ConflictException.class,
                () -> t.add(TarEntry.file("etc/a", 0644, 0, 0, 0, text("other")), "third"));
        assertEquals("/etc/a is given twice with different content: by first and by third", e.getMessage());
        assertThrows(LayerTree.ConflictException.class,
                () -> t.add(TarEntry.file("etc/a", 0600, 0, 0, 0, text("same")), "fourth"));
        assertThrows(LayerTree.ConflictException.class, () -> t.add(TarEntry.directory("etc/a", 0755, 0, 0, 0), "fifth"));
    }

    @Test
    void defaultsGiveWayToExplicitEntries() throws Exception {
        LayerTree t = new LayerTree(0);
        t.addDefault(TarEntry.directory("home/app", 0700, 1000, 1000, 0), "accounts");
        t.add(TarEntry.directory("home/app", 0750, 1000, 1000, 0), "files");
        t.addDefault(TarEntry.directory("home/app", 0700, 1000, 1000, 0), "accounts again");
        assertEquals(0750, t.entries().get(1).mode());
    }

    @Test
    void rejectsAFileUsedAsAParentDirectory() throws Exception {
        LayerTree t = new LayerTree(0);
        t.add(TarEntry.file("opt", 0644, 0, 0, 0, text("x")), "file");
        t.add(TarEntry.file("opt/app", 0644, 0, 0, 0, text("y")), "child");
        LayerTree.ConflictException e = assertThrows(LayerTree.ConflictException.class, t::entries);
        assertTrue(e.getMessage().contains("parent directory of /opt/app"), e.getMessage());
    }

    @Test
    void hardlinkThatSortsFirstCarriesTheContent() throws Exception {
        LayerTree t = new LayerTree(0);
        t.add(TarEntry.file("usr/bin/z", 0755, 0, 0, 0, text("bin")), "file");
        t.add(TarEntry.hardlink("usr/bin/a", "usr/bin/z", 0755, 0, 0, 0), "link");
        t.add(TarEntry.hardlink("usr/bin/m", "usr/bin/z", 0755, 0, 0, 0), "link2");
        List<TarEntry> es = t.entries();
        assertEquals(List.of("usr", "usr/bin", "usr/bin/a", "usr/bin/m=>usr/bin/a", "usr/bin/z=>usr/bin/a"), paths(es));
        assertEquals(TarEntry.Type.FILE, es.get(2).type());
        LayerTree bad = new LayerTree(0);
        bad.add(TarEntry.hardlink("a", "missing", 0644, 0, 0, 0), "link");
        assertThrows(LayerTree.ConflictException.class, bad::entries);
    }

    @Test
    void normalizesPathsAndRefusesEscapes() {
        assertEquals("usr/bin", TarPaths.normalize("/usr//bin/./"));
        assertEquals("", TarPaths.normalize("/"));
        assertEquals(null, TarPaths.normalize("/../etc"));
        assertThrows(IllegalArgumentException.class, () -> TarEntry.directory("../x", 0755, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> TarEntry.directory("/abs", 0755, 0, 0, 0));
    }
}
