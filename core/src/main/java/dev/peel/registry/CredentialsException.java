package dev.peel.registry;

import java.io.IOException;

/**
 * A credential file or helper could not be used. The message names the file (with line:column when its JSON is
 * malformed) or the helper, and what to do; it never holds a secret.
 */
public final class CredentialsException extends IOException {
    public CredentialsException(String message) {
        super(message);
    }

    public CredentialsException(String message, Throwable cause) {
        super(message, cause);
    }
}
