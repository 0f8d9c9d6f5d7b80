package dev.peel.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.spec.SpecException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SuiteParserTest {
    @Test
    void bindsEveryFieldTyped() throws Exception {
        Suite s = SuiteParser.parse("""
                schemaVersion: "2.0.0"
                globalEnvVars: [{key: A, value: '1'}]
                fileExistenceTests:
                  - {name: a, path: /a, shouldExist: no, permissions: -rw-r--r--, uid: 0, gid: 1000, isExecutableBy: any}
                  - {name: b, path: /b}
                commandTests:
                  - {name: c, command: ls, args: [-l], setup: [[a, b]], teardown: [[c]], envVars: [{key: K, value: V}], exitCode: 2}
                metadataTest: {entrypoint: [], user: "0"}
                licenseTests: [{debian: yes, files: }]
                """, "t.yaml");
        Suite.FileExistenceTest a = s.fileExistenceTests().get(0);
        assertEquals(new Suite.FileExistenceTest("a", "/a", false, "-rw-r--r--", 0L, 1000L, "any"), a);
        assertEquals(new Suite.FileExistenceTest("b", "/b", true, null, null, null, null), s.fileExistenceTests().get(1));
        Suite.CommandTest c = s.commandTests().get(0);
        assertEquals(List.of(List.of("a", "b")), c.setup());
        assertEquals(2, c.exitCode());
        assertEquals(List.of(), s.metadataTest().entrypoint());
        assertNull(s.metadataTest().cmd());
        assertEquals(new Suite.LicenseTest(true, List.of()), s.licenseTests().get(0));
        assertEquals(5, s.size());
        assertNull(SuiteParser.parse("schemaVersion: 2.0.0\nmetadataTest: {}\n", "t.yaml").metadataTest(),
                "an empty metadataTest is skipped, as CST skips it");
    }

    @Test
    void jsonFilesMayIndentWithTabs(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("t.json");
        java.nio.file.Files.writeString(f, "{\n\t\"schemaVersion\": \"2.0.0\",\n\t\"fileExistenceTests\": [\n"
                + "\t\t{\"name\": \"m\", \"path\": \"/etc/motd\", \"uid\": 0}\n\t]\n}\n");
        assertEquals(new Suite.FileExistenceTest("m", "/etc/motd", true, null, 0L, null, null),
                SuiteParser.parse(f, "t.json").fileExistenceTests().get(0));
        java.nio.file.Files.writeString(f, "{\n\t\"schemaVersion\": \"2.0.0\",\n\t\"fileExistenceTests\": [\n"
                + "\t\t{\"name\": \"m\", \"path\": \"/etc/motd\", \"uid\": \"x\"}\n\t]\n}\n");
        SpecException e = assertThrows(SpecException.class, () -> SuiteParser.parse(f, "t.json"));
        assertTrue(e.getMessage().startsWith("t.json:4:45: fileExistenceTests[0].uid must be a whole number"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            unknown key      | "schemaVersion: 2.0.0\\nfileExistenceTests:\\n  - {name: a, path: /a, shouldexist: true}\\n" | t.yaml:3:25: unknown key 'shouldexist' in fileExistenceTests[0]
            unknown top key  | "schemaVersion: 2.0.0\\nfileExistanceTests: []\\n"                                   | t.yaml:2:1: unknown key 'fileExistanceTests' in the test file
            no version       | "fileExistenceTests: []\\n"                                                          | t.yaml:1:1: the test file has no schemaVersion
            old version      | "schemaVersion: 1.0.0\\n"                                                            | t.yaml:1:16: schemaVersion '1.0.0' is not supported
            no name          | "schemaVersion: 2.0.0\\nfileContentTests:\\n  - {path: /a}\\n"                        | t.yaml:3:5: fileContentTests[0] has no name
            no path          | "schemaVersion: 2.0.0\\nfileExistenceTests:\\n  - name: x\\n"                         | t.yaml:3:5: fileExistenceTests[0] has no path
            no command       | "schemaVersion: 2.0.0\\ncommandTests:\\n  - name: x\\n"                               | t.yaml:3:5: commandTests[0] (x) needs a command
            bad regex        | "schemaVersion: 2.0.0\\nfileContentTests:\\n  - name: x\\n    path: /a\\n    expectedContents: ['(a']\\n" | t.yaml:5:24: fileContentTests[0].expectedContents[0] '(a' is not a regular expression
            octal uid        | "schemaVersion: 2.0.0\\nfileExistenceTests:\\n  - {name: a, path: /a, uid: 0644}\\n"  | t.yaml:3:30: fileExistenceTests[0].uid '0644' has a leading zero
            not a bool       | "schemaVersion: 2.0.0\\nfileExistenceTests:\\n  - {name: a, path: /a, shouldExist: maybe}\\n" | t.yaml:3:38: fileExistenceTests[0].shouldExist must be true or false, not 'maybe'
            bad perms        | "schemaVersion: 2.0.0\\nfileExistenceTests:\\n  - {name: a, path: /a, permissions: '0644'}\\n" | t.yaml:3:38: fileExistenceTests[0].permissions '0644' is not a permission string
            bad executable   | "schemaVersion: 2.0.0\\nfileExistenceTests:\\n  - {name: a, path: /a, isExecutableBy: world}\\n" | t.yaml:3:41: fileExistenceTests[0].isExecutableBy 'world' is not a valid option
            empty setup      | "schemaVersion: 2.0.0\\ncommandTests:\\n  - {name: a, command: ls, setup: [[]]}\\n"    | t.yaml:3:36: commandTests[0].setup[0] is an empty command
            empty env value  | "schemaVersion: 2.0.0\\ncommandTests:\\n  - {name: a, command: ls, envVars: [{key: K}]}\\n" | t.yaml:3:38: commandTests[0].envVars[0] (K) needs a non-empty value
            env without key  | "schemaVersion: 2.0.0\\nglobalEnvVars: [{value: x}]\\n"                              | t.yaml:2:17: globalEnvVars[0] needs a key
            exit code range  | "schemaVersion: 2.0.0\\ncommandTests:\\n  - {name: a, command: ls, exitCode: 256}\\n"  | t.yaml:3:38: commandTests[0].exitCode must be a whole number from 0 to 255
            run options      | "schemaVersion: 2.0.0\\ncontainerRunOptions: {user: root}\\n"                        | t.yaml:2:22: containerRunOptions is not supported by peel test
            duplicate key    | "schemaVersion: 2.0.0\\nmetadataTest: {user: a, user: b}\\n"                         | t.yaml:2:25: key 'user' is given twice in metadataTest
            not yaml         | "schemaVersion: 2.0.0\\nfileExistenceTests: [\\n"                                    | t.yaml:3:1: not valid YAML
            """)
    void errorsNameFileAndLine(String name, String yaml, String expected) {
        SpecException e = assertThrows(SpecException.class, () -> SuiteParser.parse(yaml.replace("\\n", "\n"), "t.yaml"));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
