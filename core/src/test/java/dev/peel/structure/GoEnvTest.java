package dev.peel.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class GoEnvTest {
    private static final Map<String, String> ENV = Map.of("HOME", "/root", "PATH", "/bin", "1", "one", "A_B", "ab");

    /** Go's os.Expand on the same input gives the right-hand side (checked against Go's rules, case by case). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            $HOME/x            | /root/x
            ${HOME}x           | /rootx
            /env/bin:$PATH     | /env/bin:/bin
            $NOPE.             | .
            $A_B-c             | ab-c
            $1x                | onex
            ${}x               | x
            ${HOME             | HOME
            a$                 | a$
            $/x                | $/x
            $$                 | ""
            100%               | 100%
            """)
    void expandsAsGoOsExpand(String in, String out) {
        assertEquals(out, GoEnv.expand(in, ENV));
    }

    @Test
    void envListsBecomeMapsLaterEntriesWinning() {
        assertEquals(Map.of("A", "1=2", "B", "", "C", "3"), GoEnv.toMap(List.of("A=0", "A=1=2", "B", "C=3")));
    }
}
