package dev.peel.registry;

import dev.peel.oci.Digest;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image reference, {@code [REGISTRY/]REPOSITORY[:TAG][@sha256:HEX]}, normalised as docker does: no registry
 * means Docker Hub, where a one-component name is under {@code library/}; Docker Hub's legacy host names mean
 * {@code docker.io}. The registry is what people write; {@link #apiHost()} is the host the client talks to.
 */
public record Reference(String registry, String repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    /** Where Docker Hub's distribution API is served. */
    static final String DOCKER_HUB_API = "registry-1.docker.io";

    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final Pattern REPOSITORY = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");

    public Reference {
        if (registry == null || !HOST.matcher(registry).matches()) {
            throw new IllegalArgumentException("not a registry host: " + registry);
        }
        if (repository == null || !REPOSITORY.matcher(repository).matches()) {
            throw new IllegalArgumentException("not a repository name: '" + repository
                    + "' (lower-case letters, digits and . _ - separated by /)");
        }
        if (registry.length() + 1 + repository.length() > 255) {
            throw new IllegalArgumentException("repository name longer than 255 characters");
        }
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("not a tag: '" + tag + "' (letters, digits, _ . -, at most 128)");
        }
    }

    /** Parses a reference as docker does; an {@link IllegalArgumentException} says what is wrong. */
    public static Reference parse(String s) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("empty image reference");
        }
        String rest = s;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            String d = rest.substring(at + 1);
            if (!d.startsWith("sha256:")) {
                throw new IllegalArgumentException("only sha256 digests are supported: " + s);
            }
            try {
                digest = Digest.parse(d);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a digest: '" + d + "' in " + s);
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String registry = DOCKER_HUB;
        int first = rest.indexOf('/');
        if (first > 0) {
            String head = rest.substring(0, first);
            if (head.contains(".") || head.contains(":") || head.equals("localhost")
                    || !head.toLowerCase(Locale.ROOT).equals(head)) {
                registry = head;
                rest = rest.substring(first + 1);
            }
        }
        if (registry.equals("index.docker.io") || registry.equals(DOCKER_HUB_API)) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        if (tag != null && tag.isEmpty()) {
            throw new IllegalArgumentException("empty tag in " + s);
        }
        return new Reference(registry, rest, tag, digest);
    }

    /** Whether {@code s} reads as a reference to a registry (explicit registry host), not as a local path. */
    public static boolean hasRegistry(String s) {
        int first = s.indexOf('/');
        if (first <= 0) {
            return false;
        }
        String head = s.substring(0, first);
        return head.contains(".") || head.contains(":") || head.equals("localhost");
    }

    /** The API host of a registry named alone (as login takes it): Docker Hub's names mean its API host. */
    public static String apiHostOf(String registry) {
        String r = registry.toLowerCase(Locale.ROOT);
        if (r.equals(DOCKER_HUB) || r.equals("index.docker.io") || r.equals(DOCKER_HUB_API)) {
            return DOCKER_HUB_API;
        }
        if (!HOST.matcher(registry).matches()) {
            throw new IllegalArgumentException("not a registry host");
        }
        return r;
    }

    /** The host (and port) the distribution API is served from. */
    public String apiHost() {
        return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API : registry;
    }

    /** The tag or digest to ask the registry for: the digest when there is one, else the tag, else latest. */
    public String identifier() {
        return digest != null ? digest.toString() : tag != null ? tag : "latest";
    }

    public Reference withTag(String t) {
        return new Reference(registry, repository, t, null);
    }

    public Reference withDigest(Digest d) {
        return new Reference(registry, repository, null, d);
    }

    public Reference withRepository(String r) {
        return new Reference(registry, r, tag, digest);
    }

    /** {@code registry/repository}, without tag or digest. */
    public String name() {
        return registry + "/" + repository;
    }

    @Override
    public String toString() {
        return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
