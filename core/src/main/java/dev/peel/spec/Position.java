package dev.peel.spec;

/** Where something was written: file (as the user named it), 1-based line and column. */
public record Position(String file, int line, int column) {
    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ":" + column : file;
    }
}
