package dev.peel.build;

/** A build that could not finish for a reason other than the spec (I/O, a broken source tree, …). */
public final class BuildException extends Exception {
    public BuildException(String message) {
        super(message);
    }

    public BuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
