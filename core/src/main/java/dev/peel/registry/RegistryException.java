package dev.peel.registry;

import java.io.IOException;

/**
 * A registry could not do what was asked. The message names the registry, repository or URL and what to do;
 * it never holds a credential or token. The kind decides the CLI's exit code.
 */
public class RegistryException extends IOException {
    /** What went wrong, coarsely: each maps to one documented exit code. */
    public enum Kind {
        /** Unreachable, refused the request, or the retry budget ran out. */
        FAILED,
        /** Credentials missing or wrong, or the token lacks a scope. */
        DENIED,
        /** What the registry sent does not match its digest or size, is too large, or is malformed. */
        UNTRUSTED,
        /** The repository, tag, manifest or blob does not exist. */
        NOT_FOUND
    }

    private final Kind kind;

    public RegistryException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public RegistryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
