package dev.peel.install;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** dpkg's --path-exclude/--path-include semantics: fnmatch without FNM_PATHNAME, includes win. */
class PathFilterTest {
    @Test
    void excludesUnlessIncludedAndStarsCrossSlashes() {
        PathFilter f = new PathFilter(List.of("/usr/share/doc/*", "/usr/share/man/*", "/usr/lib/locale/[!C]*"),
                List.of("/usr/share/doc/*/copyright"));
        assertFalse(f.keeps("usr/share/doc/libc6/changelog.Debian.gz"));
        assertFalse(f.keeps("usr/share/man/man1/ls.1.gz"), "* matches across '/'");
        assertTrue(f.keeps("usr/share/doc/libc6/copyright"));
        assertTrue(f.keeps("usr/bin/ls"));
        assertTrue(f.keeps("usr/lib/locale/C.utf8/LC_CTYPE"));
        assertFalse(f.keeps("usr/lib/locale/de_DE.utf8/LC_CTYPE"));
        assertTrue(PathFilter.ALL.keeps("anything/at/all"));
        assertTrue(new PathFilter(List.of("/etc/a?c"), List.of()).keeps("etc/abbc"));
        assertFalse(new PathFilter(List.of("/etc/a?c"), List.of()).keeps("etc/abc"));
    }

    @Test
    void aSymlinkOnTheWayToAnIncludeIsKept() {
        PathFilter f = new PathFilter(List.of("/usr/share/doc/*"), List.of("/usr/share/doc/*/copyright"));
        assertTrue(f.keepsSymlink("usr/share/doc/libstdc++6"), "/usr/share/doc/libstdc++6 → gcc-12-base leads to a copyright");
        assertFalse(f.keeps("usr/share/doc/libstdc++6"), "a file there is still excluded");
        assertFalse(f.keepsSymlink("usr/share/doc/libc6/changelog.gz"), "deeper than the glob's directory part");
        assertFalse(f.keepsSymlink("usr/share/doc/libc6/copyright/x"), "as deep as the glob itself is no prefix");
        assertTrue(f.keepsSymlink("usr/share/doc/libc6/copyright"), "the include itself");
        assertTrue(new PathFilter(List.of("/usr/share/*"), List.of("/usr/share/[ab]*/keep")).keepsSymlink("usr/share/bc"));
        assertFalse(new PathFilter(List.of("/usr/share/*"), List.of("/usr/share/[ab]*/keep")).keepsSymlink("usr/share/cc"));
    }
}
