package dev.peel.debian;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The packages an image already has, read from its dpkg database: {@code /var/lib/dpkg/status} (Debian's own
 * images) and the files of {@code /var/lib/dpkg/status.d/} (distroless and peel write one stanza a package).
 */
public final class Installed {
    private Installed() {
    }

    /**
     * The installed packages of {@code arch} (or {@code Architecture: all}) in these database files, by name.
     * A stanza with a {@code Status} counts only when that status ends in "installed" (not config-files, not
     * half-installed); distroless' status.d stanzas have no Status and count. Where files disagree on a
     * name, the later file wins, as the last write of an image's layers would.
     *
     * @param files path → content of each database file, in the order to apply them
     * @throws IllegalArgumentException naming the file, when one is not a dpkg database
     */
    public static Map<String, Pkg> of(Map<String, byte[]> files, String arch) {
        Map<String, Pkg> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            List<Deb822.Stanza> stanzas;
            try {
                stanzas = Deb822.parse(f.getValue());
            } catch (Deb822.ParseException e) {
                throw new IllegalArgumentException("/" + f.getKey() + ": " + e.getMessage(), e);
            }
            for (Deb822.Stanza s : stanzas) {
                String status = s.get("Status");
                if (status != null && !status.strip().endsWith(" installed")) {
                    continue;
                }
                String a = s.get("Architecture");
                if (s.get("Package") == null || s.get("Version") == null || !(arch.equals(a) || "all".equals(a))) {
                    continue;
                }
                Pkg p = Pkg.of(s, null, "installed", "", "/" + f.getKey());
                out.put(p.name(), p);
            }
        }
        return out;
    }
}
