package dev.peel.cli;

/** The exit codes every command documents in its help. */
final class ExitCodes {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNTRUSTED = 3;
    static final int INTERRUPTED = 130;

    static final String HELP = """

            Exit codes:
              0    success
              1    the work failed (I/O error, unreadable or corrupt image, …)
              2    usage or spec error: bad flags, invalid spec (file:line is named), bad input files
              3    a package repository failed verification or could not be read (signature, checksum, expiry)
              130  interrupted
            """;

    private ExitCodes() {
    }
}
