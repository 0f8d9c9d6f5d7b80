package dev.peel.registry;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How the keys of a credential file's {@code auths} and {@code credHelpers} name registries. docker and podman
 * have written many spellings over the years ({@code host}, {@code https://host}, {@code https://host/v1/},
 * {@code host/v2/}); all of them mean the same registry here.
 */
final class AuthKeys {
    /** The key docker writes for Docker Hub, and the server URL it hands credential helpers. */
    static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
    /** How this class names Docker Hub, whatever alias a key or a caller used. */
    static final String DOCKER_HUB = "docker.io";
    private static final Set<String> DOCKER_HUB_ALIASES =
            Set.of("docker.io", "index.docker.io", "registry-1.docker.io");
    private static final Set<String> API_PATHS = Set.of("", "v1", "v2");

    private AuthKeys() {
    }

    /**
     * The registry a key names ({@code host[:port]} in lower case, Docker Hub as {@value #DOCKER_HUB}), or
     * {@code registry/namespace} for podman's per-repository keys; null for a key with no host.
     */
    static String normalize(String key) {
        String k = key.strip();
        String lower = k.toLowerCase(Locale.ROOT);
        boolean url = false;
        for (String scheme : List.of("https://", "http://")) {
            if (lower.startsWith(scheme)) {
                k = k.substring(scheme.length());
                url = true;
                break;
            }
        }
        int slash = k.indexOf('/');
        String host = (slash < 0 ? k : k.substring(0, slash)).toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
            return null;
        }
        if (DOCKER_HUB_ALIASES.contains(host)) {
            host = DOCKER_HUB;
        }
        String path = slash < 0 ? "" : trimSlashes(k.substring(slash + 1));
        // A URL's path was an API endpoint (docker and podman both drop it); without a scheme only the API
        // versions are, and anything else is podman's repository namespace, which must not match the whole host.
        if (url || API_PATHS.contains(path)) {
            return host;
        }
        return host + "/" + path;
    }

    /** The registry a caller means by a host (any alias or URL spelling); a repository path is an error. */
    static String registry(String host) {
        String r = host == null ? null : normalize(host);
        if (r == null || r.indexOf('/') >= 0) {
            throw new IllegalArgumentException("not a registry host: " + host);
        }
        return r;
    }

    /** The key docker's {@code login} writes for a registry. */
    static String dockerKey(String registry) {
        return registry.equals(DOCKER_HUB) ? DOCKER_HUB_KEY : registry;
    }

    /** The server URLs to ask a helper for, best first: docker's key, then podman's spelling for Docker Hub. */
    static List<String> helperServers(String registry) {
        return registry.equals(DOCKER_HUB) ? List.of(DOCKER_HUB_KEY, DOCKER_HUB) : List.of(registry);
    }

    private static String trimSlashes(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(0, end);
    }
}
