package dev.peel.sign;

/** A key file that cannot be read: not PEM, the wrong kind of key, or a password that does not decrypt it. */
public final class KeyException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Whether the key was well formed but the password did not open it. */
    private final boolean wrongPassword;

    public KeyException(String message) {
        this(message, false);
    }

    KeyException(String message, boolean wrongPassword) {
        super(message);
        this.wrongPassword = wrongPassword;
    }

    /** True when the file is an encrypted key that this password does not decrypt (or the file was altered). */
    public boolean wrongPassword() {
        return wrongPassword;
    }
}
