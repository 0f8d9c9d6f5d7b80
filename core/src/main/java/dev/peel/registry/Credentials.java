package dev.peel.registry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry credentials docker and podman users already have: read from their files and credential helpers
 * in the order podman, skopeo and docker read them, and written by {@link #login} as {@code docker login} writes.
 *
 * <p>Files, first match wins: {@code $REGISTRY_AUTH_FILE} alone when set (podman and skopeo read nothing else
 * then); otherwise {@code $XDG_RUNTIME_DIR/containers/auth.json}, {@code $XDG_CONFIG_HOME/containers/auth.json}
 * (default {@code ~/.config}), and {@code $DOCKER_CONFIG/config.json} (default {@code ~/.docker/config.json}).
 * Within a file, docker's order: a {@code credHelpers} entry for the registry decides alone; else the
 * {@code credsStore} helper; else {@code auths}.
 */
public final class Credentials {
    static final Duration HELPER_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, String> env;
    private final List<Path> files;
    private final Path loginFile;
    private final Duration helperTimeout;

    private Credentials(Map<String, String> env, List<Path> files, Path loginFile, Duration helperTimeout) {
        this.env = env;
        this.files = files;
        this.loginFile = loginFile;
        this.helperTimeout = helperTimeout;
    }

    /** Credentials as the given environment and home directory locate them (helpers run with that environment). */
    public static Credentials fromEnvironment(Map<String, String> env, Path home) {
        Map<String, String> helperEnv = new LinkedHashMap<>(env);
        helperEnv.putIfAbsent("HOME", home.toString());
        Path docker = set(env, "DOCKER_CONFIG") ? Path.of(env.get("DOCKER_CONFIG"), "config.json")
                : home.resolve(".docker").resolve("config.json");
        if (set(env, "REGISTRY_AUTH_FILE")) {
            Path only = Path.of(env.get("REGISTRY_AUTH_FILE"));
            return new Credentials(Map.copyOf(helperEnv), List.of(only), only, HELPER_TIMEOUT);
        }
        List<Path> files = new ArrayList<>();
        // Without XDG_RUNTIME_DIR podman falls back to /run/containers/<uid>/auth.json, which needs the uid;
        // a session without a runtime dir is rare for rootless use, so that file is not read.
        if (set(env, "XDG_RUNTIME_DIR")) {
            files.add(Path.of(env.get("XDG_RUNTIME_DIR"), "containers", "auth.json"));
        }
        Path config = set(env, "XDG_CONFIG_HOME") ? Path.of(env.get("XDG_CONFIG_HOME")) : home.resolve(".config");
        files.add(config.resolve("containers").resolve("auth.json"));
        files.add(docker);
        return new Credentials(Map.copyOf(helperEnv), List.copyOf(files), docker, HELPER_TIMEOUT);
    }

    private static boolean set(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isEmpty();
    }

    /** The same, with another bound on how long a helper may take. */
    Credentials withHelperTimeout(Duration timeout) {
        return new Credentials(env, files, loginFile, timeout);
    }

    /** The files read, in the order they are read. */
    public List<Path> files() {
        return files;
    }

    /** The file {@link #login} and {@link #logout} edit. */
    public Path loginFile() {
        return loginFile;
    }

    /** The credential for a registry host (any spelling: {@code registry-1.docker.io}, {@code docker.io}, a URL). */
    public Optional<Credential> find(String host) throws CredentialsException {
        return find(host, null);
    }

    /**
     * The credential for a repository on a registry host; podman's per-repository {@code auths} keys
     * ({@code quay.io/org}) are preferred over the registry's own.
     */
    public Optional<Credential> find(String host, String repository) throws CredentialsException {
        String registry = AuthKeys.registry(host);
        for (Path path : files) {
            AuthFile file = AuthFile.read(path);
            if (!file.exists) {
                continue;
            }
            Optional<Credential> found = find(file, registry, repository);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private Optional<Credential> find(AuthFile file, String registry, String repository) throws CredentialsException {
        String named = file.credHelper(registry);
        if (named != null && !named.isEmpty()) {
            // docker and podman both stop here: a registry's own helper is its only source in this file.
            return get(helper(named, "credHelpers in " + file.path), registry);
        }
        String store = named == null ? file.credsStore() : null;
        if (store != null) {
            Optional<Credential> stored = get(helper(store, "credsStore in " + file.path), registry);
            // docker reads no auths entry when a credsStore is set; peel falls back to one the store lacks,
            // since the user wrote it there (docker's own entries beside a store are empty markers).
            if (stored.isPresent()) {
                return stored;
            }
        }
        return file.auth(registry, repository);
    }

    private static Optional<Credential> get(CredentialHelper helper, String registry) throws CredentialsException {
        for (String server : AuthKeys.helperServers(registry)) {
            Optional<Credential> c = helper.get(server);
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    /**
     * Stores a credential for a registry host as {@code docker login} does: through the helper the login file
     * configures for it ({@code credHelpers}, else {@code credsStore}), else as {@code auths[host].auth}. Every
     * other part of the file is kept.
     */
    public void login(String host, Credential credential) throws CredentialsException {
        String registry = AuthKeys.registry(host);
        if (credential.username().isEmpty()) {
            throw new CredentialsException("a user name is needed to log in to " + host);
        }
        if (!credential.identityToken() && credential.username().indexOf(':') >= 0) {
            throw new CredentialsException(
                    "user name for " + host + " contains ':', which the auth file format cannot hold");
        }
        AuthFile file = AuthFile.read(loginFile);
        String key = AuthKeys.dockerKey(registry);
        CredentialHelper helper = helperFor(file, registry);
        Map<String, Object> entry = new LinkedHashMap<>();
        if (helper != null) {
            helper.store(key, credential);
            // docker leaves an empty entry beside a helper; podman knows to pass it over.
        } else {
            entry.put("auth", Base64.getEncoder().encodeToString(
                    (credential.username() + ":" + (credential.identityToken() ? "" : credential.secret()))
                            .getBytes(StandardCharsets.UTF_8)));
            if (credential.identityToken()) {
                entry.put("identitytoken", credential.secret());
            }
        }
        if (file.put(registry, entry)) {
            file.write();
        }
    }

    /**
     * Removes the credential for a registry host from the login file and, when it configures one, its helper;
     * true when something was removed.
     */
    public boolean logout(String host) throws CredentialsException {
        String registry = AuthKeys.registry(host);
        AuthFile file = AuthFile.read(loginFile);
        if (!file.exists) {
            return false;
        }
        boolean removed = false;
        CredentialHelper helper = helperFor(file, registry);
        if (helper != null) {
            for (String server : AuthKeys.helperServers(registry)) {
                removed |= helper.erase(server);
            }
        }
        if (file.remove(registry)) {
            file.write();
            removed = true;
        }
        return removed;
    }

    private CredentialHelper helperFor(AuthFile file, String registry) throws CredentialsException {
        String named = file.credHelper(registry);
        if (named != null) {
            return named.isEmpty() ? null : helper(named, "credHelpers in " + file.path);
        }
        String store = file.credsStore();
        return store == null ? null : helper(store, "credsStore in " + file.path);
    }

    private CredentialHelper helper(String name, String origin) throws CredentialsException {
        return CredentialHelper.find(name, origin, env, helperTimeout);
    }
}
