package dev.peel.registry;

import java.util.regex.Pattern;

/** The OCI distribution spec's grammar for repository names and tags, checked before anything is written. */
public final class StaticNames {
    private static final Pattern REPOSITORY =
            Pattern.compile("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    // The spec caps a repository name (with the registry's host) at 255 characters; clients refuse longer ones.
    private static final int MAX_REPOSITORY = 255;

    private static final java.util.Set<String> STATIC_RESERVED = java.util.Set.of("blobs", "manifests", "tags");

    private StaticNames() {
    }

    /** Whether {@code name} is a valid repository name ({@code library/app}). */
    public static boolean isRepository(String name) {
        return name != null && name.length() <= MAX_REPOSITORY && REPOSITORY.matcher(name).matches();
    }

    /** Whether {@code tag} is a valid tag ({@code 1.2.3}, {@code latest}). */
    public static boolean isTag(String tag) {
        return tag != null && TAG.matcher(tag).matches();
    }

    /**
     * Throws {@link IllegalArgumentException} with a message a user can act on when the name is invalid, or
     * when a static registry's file tree cannot hold it beside other repositories.
     */
    public static String checkRepository(String name) {
        if (!isRepository(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a repository name: use lower-case letters and"
                    + " digits, separated by '.', '_', '__' or '-', in '/'-separated parts (such as team/app)");
        }
        String[] parts = name.split("/");
        for (int i = 1; i < parts.length; i++) {
            // v2/app/tags/list is a file of repository app; a repository app/tags/list would need it as a folder.
            if (STATIC_RESERVED.contains(parts[i])) {
                throw new IllegalArgumentException("repository '" + name + "' cannot be published as files: '" + parts[i]
                        + "' after the first part would share a folder with the repository above it");
            }
        }
        if (parts[0].equals("index.html")) {
            throw new IllegalArgumentException("repository 'index.html' cannot be published as files: v2/index.html"
                    + " answers the registry's ping");
        }
        return name;
    }

    /** Throws {@link IllegalArgumentException} with a message a user can act on when the tag is invalid. */
    public static String checkTag(String tag) {
        if (!isTag(tag)) {
            throw new IllegalArgumentException("'" + tag + "' is not a tag: up to 128 letters, digits, '_', '.' and '-',"
                    + " not starting with '.' or '-'");
        }
        return tag;
    }
}
