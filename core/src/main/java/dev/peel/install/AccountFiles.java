package dev.peel.install;

import dev.peel.spec.Spec;
import dev.peel.tar.Content;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarPaths;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** /etc/passwd, /etc/group and home directories for the spec's accounts, in the classic formats. */
public final class AccountFiles {
    private AccountFiles() {
    }

    /** {@code name:x:uid:gid:gecos:home:shell} lines in declaration order (root first). */
    public static String passwd(Spec.Accounts a) {
        StringBuilder sb = new StringBuilder();
        for (Spec.User u : a.users()) {
            sb.append(u.name()).append(":x:").append(u.uid()).append(':').append(u.gid()).append(':')
                    .append(u.gecos()).append(':').append(u.home()).append(':').append(u.shell()).append('\n');
        }
        return sb.toString();
    }

    /** {@code name:x:gid:members} lines in declaration order (root first). */
    public static String group(Spec.Accounts a) {
        StringBuilder sb = new StringBuilder();
        for (Spec.Group g : a.groups()) {
            sb.append(g.name()).append(":x:").append(g.gid()).append(':').append(String.join(",", g.members()))
                    .append('\n');
        }
        return sb.toString();
    }

    /** The files themselves (0644 root). */
    public static List<TarEntry> files(Spec.Accounts a, long mtime) {
        return List.of(
                TarEntry.file("etc/group", 0644, 0, 0, mtime, Content.ofBytes(group(a).getBytes(StandardCharsets.UTF_8))),
                TarEntry.file("etc/passwd", 0644, 0, 0, mtime, Content.ofBytes(passwd(a).getBytes(StandardCharsets.UTF_8))));
    }

    /** Home directories, 0700 and owned by their user; an explicit files entry for the same path wins. */
    public static List<TarEntry> homes(Spec.Accounts a, long mtime) {
        List<TarEntry> out = new ArrayList<>();
        for (Spec.User u : a.users()) {
            String home = TarPaths.normalize(u.home());
            if (home == null || home.isEmpty() || home.equals("nonexistent") || home.equals("dev/null")) {
                continue;
            }
            out.add(TarEntry.directory(home, 0700, u.uid(), u.gid(), mtime));
        }
        return out;
    }
}
