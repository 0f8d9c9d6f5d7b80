package dev.peel.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Timeout;

/**
 * peel's encoder against any input, at any level, split anywhere into a first piece (history) and the rest:
 * both pieces, encoded on their own as {@code GzipOutputStream}'s blocks are, inflate back with the JDK's
 * Inflater. {@code mvn test} replays the seeds in {@code DeflateFuzzTestInputs/roundTrips/};
 * {@code FUZZ_CLASS=compress/DeflateFuzzTest bench/fuzz-registry-parsers.sh} fuzzes.
 */
class DeflateFuzzTest {
    @FuzzTest
    @Timeout(20)
    void roundTrips(FuzzedDataProvider in) throws Exception {
        int level = in.consumeInt(0, 9);
        int repeat = in.consumeInt(1, 64);
        byte[] unit = in.consumeRemainingAsBytes();
        // Repeating the input turns short fuzz inputs into the long matches and runs the encoder is built for.
        byte[] data = new byte[unit.length * repeat];
        for (int i = 0; i < repeat; i++) {
            System.arraycopy(unit, 0, data, i * unit.length, unit.length);
        }
        int split = data.length == 0 ? 0 : Math.floorMod(Arrays.hashCode(unit), data.length + 1);
        byte[] buf = Arrays.copyOf(data, data.length + Deflate.SLACK);
        Deflate d = new Deflate(level);
        byte[] first = d.encode(buf, 0, 0, split, false, null);
        first = Arrays.copyOf(first, d.length());
        byte[] second = d.encode(buf, 0, split, data.length, true, null);
        second = Arrays.copyOf(second, d.length());
        byte[] stream = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, stream, first.length, second.length);

        Inflater inf = new Inflater(true);
        inf.setInput(stream);
        byte[] back = new byte[data.length + 16];
        int n = 0;
        while (!inf.finished()) {
            int k = inf.inflate(back, n, back.length - n);
            if (k == 0 && !inf.finished() && (inf.needsInput() || inf.needsDictionary())) {
                throw new AssertionError("stream ends early at level " + level);
            }
            n += k;
        }
        if (inf.getRemaining() != 0) {
            throw new AssertionError("bytes after the final block");
        }
        inf.end();
        assertArrayEquals(data, Arrays.copyOf(back, n), "level " + level);
    }
}
