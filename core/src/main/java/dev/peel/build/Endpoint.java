package dev.peel.build;

import dev.peel.registry.Reference;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an image is read from or written to, as commands take it: an OCI layout directory or archive
 * ({@code [oci:]PATH[:TAG]}, {@code oci-archive:FILE[:TAG]}) or a registry reference ({@code [docker://]REF}).
 * A bare argument is a path when that path exists, a reference when it starts with a registry host
 * ({@code host.name/…}, {@code host:port/…}, {@code localhost/…}), else a path.
 */
public sealed interface Endpoint {
    /** A layout directory or an OCI/docker archive file, optionally one tag of its index.json. */
    record Local(Path path, String tag, boolean archive) implements Endpoint {
        @Override
        public String toString() {
            return path + (tag != null ? ":" + tag : "");
        }
    }

    /** An image in a registry. */
    record Remote(Reference ref) implements Endpoint {
        @Override
        public String toString() {
            return ref.toString();
        }
    }

    /** Parses an argument; an {@link IllegalArgumentException} says why it is neither. */
    static Endpoint parse(String arg) {
        if (arg.startsWith("docker://")) {
            return new Remote(Reference.parse(arg.substring("docker://".length())));
        }
        if (arg.startsWith("oci-archive:")) {
            return local(arg.substring("oci-archive:".length()), true);
        }
        if (arg.startsWith("oci:")) {
            return local(arg.substring("oci:".length()), false);
        }
        if (Files.exists(Path.of(arg))) {
            return new Local(Path.of(arg), null, Files.isRegularFile(Path.of(arg)));
        }
        int colon = arg.lastIndexOf(':');
        if (colon > 0 && Files.exists(Path.of(arg.substring(0, colon))) && arg.indexOf('/', colon) < 0) {
            Path p = Path.of(arg.substring(0, colon));
            return new Local(p, arg.substring(colon + 1), Files.isRegularFile(p));
        }
        if (!Reference.hasRegistry(arg)) {
            // A bare name is a path: pushing a local image to Docker Hub by a typo (app instead of ./app) would
            // publish it. Docker Hub is named explicitly: docker://app or docker.io/team/app.
            return local(arg, arg.endsWith(".tar"));
        }
        try {
            return new Remote(Reference.parse(arg));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + arg + "' is neither an existing path nor an image reference ("
                    + e.getMessage() + ")");
        }
    }

    private static Local local(String s, boolean archive) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty path");
        }
        String tag = null;
        Path p = Path.of(s);
        int colon = s.lastIndexOf(':');
        if (!Files.exists(p) && colon > 0 && s.indexOf('/', colon) < 0) {
            tag = s.substring(colon + 1);
            p = Path.of(s.substring(0, colon));
        }
        return new Local(p, tag, archive || Files.isRegularFile(p) || p.toString().endsWith(".tar"));
    }
}
