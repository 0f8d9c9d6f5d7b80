package dev.peel.run;

import dev.peel.oci.ImageConfig;
import dev.peel.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How an image's config turns into a sandboxed process: command, environment, user, working folder. */
public final class Container {
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final long MAX_ACCOUNTS_FILE = 16L << 20;

    private Container() {
    }

    /**
     * The command: {@code command} when given (it replaces the image's entrypoint and cmd), else the config's
     * entrypoint followed by its cmd. Empty is an error naming the image.
     */
    public static List<String> argv(ImageConfig.Container c, List<String> command, String image) throws IOException {
        List<String> argv = new ArrayList<>();
        if (command != null && !command.isEmpty()) {
            argv.addAll(command);
        } else {
            if (c.entrypoint() != null) {
                argv.addAll(c.entrypoint());
            }
            if (c.cmd() != null) {
                argv.addAll(c.cmd());
            }
        }
        if (argv.isEmpty()) {
            throw new IOException(image + " has neither an entrypoint nor a cmd: name a command after --");
        }
        return argv;
    }

    /**
     * The environment: the image's, then {@code overrides} ({@code K=V}, or {@code K} alone for the host's value),
     * with PATH, HOSTNAME and HOME filled in as docker does when the image does not set them.
     */
    public static List<String> env(ImageConfig.Container c, List<String> overrides, String hostname, String home) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.put("HOSTNAME", hostname);
        for (String kv : c.env()) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        if (!env.containsKey("HOME")) {
            env.put("HOME", home);
        }
        for (String kv : overrides) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            } else if (System.getenv(kv) != null) {
                env.put(kv, System.getenv(kv));
            }
        }
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /** A user as uid, gid and home folder. */
    public record User(long uid, long gid, String home) {
    }

    /**
     * The config's (or {@code override}'s) user — {@code name|uid[:group|gid]}, empty for root — looked up in
     * the tree's own /etc/passwd and /etc/group (read inside the tree, never the host's).
     */
    public static User user(Path root, String spec) throws IOException {
        String u = spec == null || spec.isEmpty() ? "0" : spec;
        String group = null;
        int colon = u.indexOf(':');
        if (colon >= 0) {
            group = u.substring(colon + 1);
            u = u.substring(0, colon);
        }
        List<String[]> passwd = accounts(root, "/etc/passwd");
        long uid;
        long gid = -1;
        String home = "/";
        String[] entry = null;
        if (u.matches("\\d+")) {
            uid = Long.parseLong(u);
            for (String[] p : passwd) {
                if (p.length >= 6 && p[2].equals(u)) {
                    entry = p;
                    break;
                }
            }
        } else {
            for (String[] p : passwd) {
                if (p.length >= 6 && p[0].equals(u)) {
                    entry = p;
                    break;
                }
            }
            if (entry == null) {
                throw new IOException("the user '" + u + "' is not in the image's /etc/passwd");
            }
            uid = number(entry[2], "/etc/passwd: " + u);
        }
        if (entry != null) {
            gid = number(entry[3], "/etc/passwd: " + u);
            home = entry[5].isEmpty() ? "/" : entry[5];
        }
        if (group != null && !group.isEmpty()) {
            if (group.matches("\\d+")) {
                gid = Long.parseLong(group);
            } else {
                String name = group;
                String[] g = accounts(root, "/etc/group").stream().filter(x -> x.length >= 3 && x[0].equals(name))
                        .findFirst().orElse(null);
                if (g == null) {
                    throw new IOException("the group '" + group + "' is not in the image's /etc/group");
                }
                gid = number(g[2], "/etc/group: " + group);
            }
        }
        if (gid < 0) {
            gid = uid == 0 ? 0 : uid;
        }
        return new User(uid, gid, home);
    }

    private static long number(String s, String what) throws IOException {
        try {
            long n = Long.parseLong(s);
            if (n < 0 || n > 0xFFFFFFFEL) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException(what + ": '" + s + "' is not an id");
        }
    }

    private static List<String[]> accounts(Path root, String file) throws IOException {
        Path p = Unpacker.inside(root, file);
        List<String[]> out = new ArrayList<>();
        if (p == null || !Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        if (Files.size(p) > MAX_ACCOUNTS_FILE) {
            throw new IOException("the image's " + file + " is over " + MAX_ACCOUNTS_FILE + " bytes");
        }
        for (String line : new String(Files.readAllBytes(p), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                out.add(line.split(":", -1));
            }
        }
        return out;
    }

    /** This machine's platform as OCI names it (linux/amd64, linux/arm64, …). */
    public static String hostArch() {
        String a = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            case "arm" -> "arm";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> a;
        };
    }

    /**
     * Checks that this machine can run {@code platform}'s programs: its own arch (or the 32-bit arch it also
     * runs), or another with a binfmt_misc handler (qemu-user-static) registered.
     */
    public static void checkArch(Platform platform) throws Sandbox.Unavailable {
        String host = hostArch();
        String arch = platform.architecture();
        if (arch.equals(host) || (host.equals("amd64") && arch.equals("386")) || (host.equals("arm64") && arch.equals("arm"))) {
            return;
        }
        String qemu = switch (arch) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            case "386" -> "i386";
            default -> arch;
        };
        Path dir = Path.of("/proc/sys/fs/binfmt_misc");
        String unfixed = null;
        try (var entries = Files.list(dir)) {
            for (Path e : entries.sorted().toList()) {
                String name = e.getFileName().toString();
                if (name.equals("register") || name.equals("status")) {
                    continue;
                }
                String text = Files.readString(e);
                String interpreter = text.lines().filter(l -> l.startsWith("interpreter ")).findFirst()
                        .map(l -> l.substring("interpreter ".length()).strip()).orElse("");
                String base = interpreter.substring(interpreter.lastIndexOf('/') + 1);
                if (!text.startsWith("enabled") || !(name.equals("qemu-" + qemu) || base.startsWith("qemu-" + qemu))) {
                    continue;
                }
                // F: the kernel opened the interpreter when it was registered, so it runs inside the container's
                // tree too, where the image has no qemu.
                if (text.lines().anyMatch(l -> l.startsWith("flags:") && l.contains("F"))) {
                    return;
                }
                unfixed = e.toString();
            }
        } catch (IOException e) {
            // No binfmt_misc here: as if no handler.
        }
        throw new Sandbox.Unavailable("the image is " + platform + " and this machine is linux/" + host + ", "
                + (unfixed != null ? "whose binfmt_misc handler " + unfixed + " lacks the F (fix binary) flag, which a"
                        + " container needs (its tree has no qemu)"
                        : "with no binfmt_misc handler for " + arch + " (" + dir + "/qemu-" + qemu + ")")
                + "; install one (Debian: qemu-user-static with binfmt-support) or run the image on a " + arch + " machine");
    }
}
