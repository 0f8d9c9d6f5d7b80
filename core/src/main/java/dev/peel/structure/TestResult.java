package dev.peel.structure;

import java.time.Duration;
import java.util.List;

/**
 * One test's outcome, as container-structure-test reports it.
 *
 * @param name the kind and the test's name: {@code File Existence Test: passwd}, {@code Metadata Test}
 * @param errors why it failed (empty when it passed)
 * @param stdout a command test's output ("" for other tests)
 * @param stderr a command test's error output ("" for other tests)
 */
public record TestResult(String name, boolean pass, List<String> errors, String stdout, String stderr, Duration duration) {
    public TestResult {
        errors = List.copyOf(errors);
    }
}
