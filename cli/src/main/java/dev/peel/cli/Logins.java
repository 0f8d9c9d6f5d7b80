package dev.peel.cli;

import dev.peel.registry.Credentials;
import dev.peel.registry.RegistryClient;
import java.nio.file.Path;

/** Where the CLI finds registry credentials: the files docker and podman users already have. */
final class Logins {
    private Logins() {
    }

    static Credentials credentials(java.util.Map<String, String> env) {
        String home = env.get("HOME");
        return Credentials.fromEnvironment(env, Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home")));
    }

    /** The API host a login/logout argument names: HOST[:PORT] or a URL of one, never with user info. */
    static String apiHost(String arg) {
        String h = arg.replaceFirst("^https?://", "").replaceFirst("/.*$", "");
        if (h.contains("@")) {
            throw new IllegalArgumentException("user info in the host");
        }
        return dev.peel.registry.Reference.apiHostOf(h);
    }

    static RegistryClient.CredentialLookup lookup(java.util.Map<String, String> env) {
        Credentials c = credentials(env);
        return c::find;
    }
}
