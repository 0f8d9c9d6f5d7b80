package dev.peel.sign;

/** A signature, envelope, statement or bundle that is malformed or does not verify; the message says which and why. */
public final class SignatureException extends Exception {
    private static final long serialVersionUID = 1L;

    public SignatureException(String message) {
        super(message);
    }

    public SignatureException(String message, Throwable cause) {
        super(message, cause);
    }
}
