package dev.peel.cli;

import dev.peel.build.Progress;
import java.io.PrintStream;

/** Shows the current phase on one rewritten stderr line, only when stderr is a terminal. */
final class TerminalProgress implements Progress {
    private final PrintStream err;
    private final long start = System.nanoTime();
    private int width;

    private TerminalProgress(PrintStream err) {
        this.err = err;
    }

    /** A progress display if it should show, else {@link Progress#NONE}. */
    static Progress forTerminal(boolean quiet) {
        // System.console() is non-null only when both stdin and stdout are terminals; TERM rules out dumb pipes.
        if (quiet || System.console() == null || "dumb".equals(System.getenv("TERM"))) {
            return Progress.NONE;
        }
        return new TerminalProgress(System.err);
    }

    @Override
    public synchronized void phase(String what) {
        String line = String.format("[%5.1fs] %s", (System.nanoTime() - start) / 1e9, what);
        err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
        width = line.length();
        err.flush();
    }

    synchronized void done() {
        if (width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
        }
    }
}
