package dev.peel.spec;

/** A spec the user must fix: one message naming file:line, and a hint where one helps. */
public final class SpecException extends Exception {
    private final Position position;
    private final String problem;
    private final String hint;

    public SpecException(Position position, String problem, String hint) {
        super(position + ": " + problem + (hint == null ? "" : "\n  hint: " + hint));
        this.position = position;
        this.problem = problem;
        this.hint = hint;
    }

    public SpecException(Position position, String problem) {
        this(position, problem, null);
    }

    public Position position() {
        return position;
    }

    public String problem() {
        return problem;
    }

    public String hint() {
        return hint;
    }
}
