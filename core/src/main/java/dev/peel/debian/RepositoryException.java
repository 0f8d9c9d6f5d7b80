package dev.peel.debian;

/** A Debian repository could not be used: unreachable, unsigned, badly signed, tampered or stale. */
public final class RepositoryException extends Exception {
    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
