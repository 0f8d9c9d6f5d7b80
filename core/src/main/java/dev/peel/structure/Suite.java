package dev.peel.structure;

import java.util.List;

/**
 * One container-structure-test file (schema 2.0.0), validated: every test named, every regex compiled, the
 * fields typed as container-structure-test reads them.
 *
 * @param file the file as the user named it
 * @param metadataTest null when the file has none (or an empty one, which container-structure-test skips)
 */
public record Suite(String file, List<KeyValue> globalEnvVars, List<CommandTest> commandTests,
                    List<FileExistenceTest> fileExistenceTests, List<FileContentTest> fileContentTests,
                    MetadataTest metadataTest, List<LicenseTest> licenseTests) {

    /** How many results running this file gives. */
    public int size() {
        return commandTests.size() + fileExistenceTests.size() + fileContentTests.size() + licenseTests.size()
                + (metadataTest == null ? 0 : 1);
    }

    /** A regular expression as written (Go's RE2 syntax) and its java.util.regex translation. */
    public record Regex(String source, java.util.regex.Pattern pattern) {
        /** Whether it matches anywhere in {@code text}, as Go's MatchString. */
        public boolean find(String text) {
            return pattern.matcher(text).find();
        }
    }

    /** An environment variable or a label: {@code key}, {@code value}, and with {@code isRegex} the value as a regex. */
    public record KeyValue(String key, String value, Regex regex) {
    }

    /**
     * {@code commandTests} item.
     *
     * @param setup commands run before {@code command}, in the same state
     * @param teardown commands run after it
     */
    public record CommandTest(String name, List<List<String>> setup, List<List<String>> teardown, List<KeyValue> envVars,
                              int exitCode, String command, List<String> args, List<Regex> expectedOutput,
                              List<Regex> excludedOutput, List<Regex> expectedError, List<Regex> excludedError) {
    }

    /**
     * {@code fileExistenceTests} item.
     *
     * @param permissions null, or Go's FileMode string ({@code -rwxr-xr-x}, {@code drwxrwxrwx}, {@code Lrwxrwxrwx})
     * @param uid null: not checked
     * @param gid null: not checked
     * @param isExecutableBy null, {@code owner}, {@code group}, {@code other} or {@code any}
     */
    public record FileExistenceTest(String name, String path, boolean shouldExist, String permissions, Long uid, Long gid,
                                    String isExecutableBy) {
    }

    /** {@code fileContentTests} item. */
    public record FileContentTest(String name, String path, List<Regex> expectedContents, List<Regex> excludedContents) {
    }

    /**
     * {@code metadataTest}.
     *
     * @param entrypoint null: not checked ({@code []}: the image must have none)
     * @param cmd null: not checked
     * @param workdir empty: not checked
     * @param user empty: not checked
     */
    public record MetadataTest(List<KeyValue> envVars, List<String> unboundEnvVars, List<KeyValue> labels,
                               List<String> exposedPorts, List<String> unexposedPorts, List<String> volumes,
                               List<String> unmountedVolumes, List<String> entrypoint, List<String> cmd, String workdir,
                               String user) {
    }

    /** {@code licenseTests} item: Debian's copyright files ({@code debian}) and {@code files}. */
    public record LicenseTest(boolean debian, List<String> files) {
    }
}
