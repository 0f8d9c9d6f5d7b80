package dev.peel.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoRegexTest {
    private static boolean find(String re, String text) {
        return GoRegex.compile(re).matcher(text).find();
    }

    /** Each row: regex, text (\n and \r and \v written as such), whether Go's regexp.MatchString finds it. */
    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            hello$                | hello\\n         | false
            hello$                | hello           | true
            (?m)hello$            | hello\\nworld    | true
            (?m)^world            | hello\\nworld    | true
            ^world                | hello\\nworld    | false
            a.b                   | a\\rb            | true
            a.b                   | a\\nb            | false
            (?s)a.b               | a\\nb            | true
            a\\sb                 | a\\vb            | false
            a\\sb                 | a\\tb            | true
            a\\vb                 | a\\vb            | true
            "{""key"": 1}"        | "{""key"": 1}"  | true
            x{2}                  | xx              | true
            x{,2}                 | "x{,2}"         | true
            [[:alpha:]]+[[:digit:]] | abc1          | true
            [[:^digit:]]          | 123             | false
            []a]                  | ]               | true
            [a&&b]                | &               | true
            [[]                   | [               | true
            \\101                 | A               | true
            \\0101                | A1              | false
            (?P<word>ab)c         | abc             | true
            (?<word>ab)c          | abc             | true
            (?i)ärger             | ÄRGER           | true
            \\p{Greek}+           | αβγ             | true
            \\pL                  | é               | true
            \\Q.*\\E              | a.*b            | true
            \\Q.*\\E              | ab              | false
            """)
    void matchesAsGoDoes(String re, String text, boolean expected) {
        String t = text.replace("\\n", "\n").replace("\\r", "\r").replace("\\v", "\u000b").replace("\\t", "\t");
        assertEquals(expected, find(re, t), GoRegex.translate(re));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            (a)\\1     | backreferences
            (?U)a+     | ungreedy
            [[:foo:]]  | [:foo:]
            abc\\      | trailing backslash
            [abc       | missing closing ]
            \\8        | invalid escape
            """)
    void refusesWhatGoRefusesAndJavaWouldReadOtherwise(String re, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GoRegex.compile(re));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
