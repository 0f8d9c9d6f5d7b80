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

    /**
     * The files on a base image that has its own {@code /etc/passwd} and {@code /etc/group} (null: none): the
     * base's lines kept in order, a spec account of the same name replacing the base's line where it is, new
     * ones appended. A root peel added on its own (the spec declared none) never replaces the base's root. A
     * file that would come out as the base has it is left out (the base's stays).
     */
    public static List<TarEntry> files(Spec.Accounts a, long mtime, String basePasswd, String baseGroup) {
        List<TarEntry> out = new java.util.ArrayList<>();
        String group = merge(baseGroup, group(a), a.rootGroupAdded());
        if (baseGroup == null || !group.equals(baseGroup)) {
            out.add(TarEntry.file("etc/group", 0644, 0, 0, mtime, Content.ofBytes(group.getBytes(StandardCharsets.UTF_8))));
        }
        String passwd = merge(basePasswd, passwd(a), a.rootUserAdded());
        if (basePasswd == null || !passwd.equals(basePasswd)) {
            out.add(TarEntry.file("etc/passwd", 0644, 0, 0, mtime, Content.ofBytes(passwd.getBytes(StandardCharsets.UTF_8))));
        }
        return out;
    }

    /** The spec's lines ({@code name:...}) laid over a base file's, by name; the base's text as is where nothing changes. */
    static String merge(String base, String spec, boolean rootAdded) {
        if (base == null) {
            return spec;
        }
        List<String> lines = new java.util.ArrayList<>(java.util.Arrays.asList(base.split("\n", -1)));
        boolean finalNewline = base.isEmpty() || base.endsWith("\n");
        if (finalNewline) {
            lines.remove(lines.size() - 1);
        }
        java.util.Map<String, Integer> at = new java.util.HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int colon = lines.get(i).indexOf(':');
            if (colon > 0) {
                at.putIfAbsent(lines.get(i).substring(0, colon), i);
            }
        }
        boolean changed = false;
        for (String line : spec.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String name = line.substring(0, line.indexOf(':'));
            Integer i = at.get(name);
            if (i == null) {
                lines.add(line);
                at.put(name, lines.size() - 1);
                changed = true;
            } else if (!(rootAdded && name.equals("root")) && !lines.get(i).equals(line)) {
                lines.set(i, line);
                changed = true;
            }
        }
        if (!changed) {
            return base;
        }
        return String.join("\n", lines) + "\n";
    }

    /** Home directories, 0700 and owned by their user; an explicit files entry for the same path wins. */
    public static List<TarEntry> homes(Spec.Accounts a, long mtime) {
        return homes(a, mtime, false);
    }

    /** As {@link #homes(Spec.Accounts, long)}; {@code onBase}: the base has its own root, whose home stays as it is. */
    public static List<TarEntry> homes(Spec.Accounts a, long mtime, boolean onBase) {
        List<TarEntry> out = new ArrayList<>();
        for (Spec.User u : a.users()) {
            if (onBase && a.rootUserAdded() && u.name().equals("root")) {
                continue;
            }
            String home = TarPaths.normalize(u.home());
            if (home == null || home.isEmpty() || home.equals("nonexistent") || home.equals("dev/null")) {
                continue;
            }
            out.add(TarEntry.directory(home, 0700, u.uid(), u.gid(), mtime));
        }
        return out;
    }
}
