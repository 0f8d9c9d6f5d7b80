package dev.peel.build;

/** What a long build reports; the CLI shows it on a terminal, tests ignore it. */
public interface Progress {
    Progress NONE = new Progress() {
    };

    /** A new phase begins ("layer 1/2", "writing layout"). */
    default void phase(String what) {
    }

    /** The current phase will process about this many bytes. */
    default void total(long bytes) {
    }

    /** A short note on the phase's state ("12/40 packages"), shown beside it; counters are kept. */
    default void detail(String what) {
    }

    /** Some bytes of input were processed (called often, from the building thread). */
    default void advanced(long bytes) {
    }
}
