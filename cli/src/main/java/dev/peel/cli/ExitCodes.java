package dev.peel.cli;

/** The exit codes every command documents in its help. */
final class ExitCodes {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNTRUSTED = 3;
    static final int REGISTRY = 4;
    static final int DENIED = 5;
    static final int INTERRUPTED = 130;

    static final String HELP = """

            Exit codes:
              0    success
              1    the work failed (I/O error, unreadable or corrupt image, …)
              2    usage or spec error: bad flags, invalid spec (file:line is
                   named), bad input files
              3    untrusted data: a signature or attestation failed peel verify;
                   a package repository failed verification or could not be read
                   (signature, checksum, expiry); or a registry sent content that
                   does not match its digest or size, is too large, malformed,
                   or redirected where peel does not follow
              4    a registry failed: unreachable, refused the request, not
                   found, or the retry budget ran out
              5    a registry denied access: credentials missing or wrong, or no
                   permission (scope) for the repository
              130  interrupted
            """;

    private ExitCodes() {
    }
}
