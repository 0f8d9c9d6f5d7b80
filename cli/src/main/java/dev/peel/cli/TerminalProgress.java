package dev.peel.cli;

import dev.peel.build.Progress;
import java.io.PrintStream;

/** Shows the current phase, and bytes done with a rate, on one rewritten stderr line; only on a terminal. */
final class TerminalProgress implements Progress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private final PrintStream err;
    private final long start = System.nanoTime();
    private String phase = "";
    private String detail = "";
    private long phaseStart = start;
    private long total;
    private long done;
    private long lastDraw;
    private int width;

    private TerminalProgress(PrintStream err) {
        this.err = err;
    }

    /** A progress display if it should show, else {@link Progress#NONE}. */
    static Progress forTerminal(boolean quiet) {
        if (quiet || !stderrIsTerminal() || "dumb".equals(System.getenv("TERM"))) {
            return Progress.NONE;
        }
        return new TerminalProgress(System.err);
    }

    /**
     * Java cannot ask whether stderr is a terminal; the launcher can ({@code [ -t 2 ]}) and says so in
     * PEEL_STDERR_TTY. Without the launcher, a console (stdin and stdout terminals) is the best guess.
     */
    private static boolean stderrIsTerminal() {
        String said = System.getenv("PEEL_STDERR_TTY");
        if (said != null) {
            return said.equals("1");
        }
        return System.console() != null;
    }

    @Override
    public synchronized void phase(String what) {
        phase = what;
        detail = "";
        phaseStart = System.nanoTime();
        total = 0;
        done = 0;
        draw();
    }

    @Override
    public synchronized void detail(String what) {
        detail = what;
        long now = System.nanoTime();
        if (now - lastDraw > REDRAW_NANOS) {
            draw();
        }
    }

    @Override
    public synchronized void total(long bytes) {
        total = bytes;
    }

    @Override
    public synchronized void advanced(long bytes) {
        done += bytes;
        long now = System.nanoTime();
        if (now - lastDraw > REDRAW_NANOS) {
            draw();
        }
    }

    private void draw() {
        long now = System.nanoTime();
        lastDraw = now;
        StringBuilder line = new StringBuilder(String.format("[%5.1fs] %s", (now - start) / 1e9, phase));
        if (!detail.isEmpty()) {
            line.append("  ").append(detail);
        }
        if (done > 0) {
            double secs = Math.max(1e-3, (now - phaseStart) / 1e9);
            line.append(String.format("  %.0f%s MB  %.1f MB/s", done / 1e6,
                    total > 0 ? String.format("/%.0f", total / 1e6) : "", done / 1e6 / secs));
        }
        String s = line.toString();
        err.print("\r" + s + " ".repeat(Math.max(0, width - s.length())));
        width = s.length();
        err.flush();
    }

    synchronized void done() {
        if (width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
        }
    }
}
