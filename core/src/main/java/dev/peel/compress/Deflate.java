package dev.peel.compress;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A DEFLATE encoder (RFC 1951) in plain Java, so that what peel writes depends only on peel's version, the
 * input and the level — never on the host's zlib, the JDK, the OS or the CPU.
 *
 * <p>One instance encodes one piece at a time and is reused (not thread-safe): {@link #encode} deflates
 * {@code data[start, end)}, with {@code data[history, start)} (at most 32 KiB) as earlier text matches may
 * point into, and ends either with the final block or with an empty stored block (what zlib's sync flush
 * writes), so that pieces encoded on their own concatenate into one stream.
 *
 * <p>How: a hash table of 4-byte sequences with chains through the last 32 KiB (bounded per level), and a
 * table of the last position of each 3-byte sequence for short matches within 4 KiB; greedy (levels 1–3) or
 * lazy matching (4–9); after a long run without a match (already compressed data) fewer positions are
 * searched until one matches (not at levels 8–9). Symbols are gathered in chunks of 1,024; a chunk whose
 * statistics differ enough from the block's (ideal code sizes, estimated in fixed-point integers so every
 * JVM decides alike) starts a new block. Each block is written stored, fixed or dynamic, whichever is smallest by exact count; dynamic codes
 * are Huffman codes limited to 15 bits (7 for the code-length code). Level 0 writes stored blocks only.
 */
public final class Deflate {
    /**
     * Changes whenever the bytes written for some input and level change: part of the cache key of every
     * gzip layer peel keeps, so layers from an older encoder are never reused.
     */
    public static final String VERSION = "peel-deflate 1";
    /** Bytes a caller leaves after {@code end} in its array, so that word reads never need a bound check. */
    public static final int SLACK = 8;
    static final int WINDOW = 32 * 1024;
    private static final int MAX_DIST = WINDOW - 1;
    private static final int MIN_MATCH = 4;
    private static final int MAX_MATCH = 258;
    private static final int HASH_BITS = 15;
    private static final int HASH3_BITS = 12;
    private static final int NEAR = 4096;
    private static final int CHAIN_MASK = WINDOW - 1;
    /** Symbols gathered before deciding whether they start a new block or join the current one. */
    private static final int CHUNK = 1 << 10;
    private static final int MAX_BLOCK_SYMBOLS = 1 << 15;
    /** Estimated bits a new block must save to be worth its header. */
    private static final long SPLIT_BITS = 800L << 16;
    /** log2(1 + i/256) in 16.16 fixed point, for {@link #log2}. */
    private static final int[] LOG2_FRACTION = new int[256];
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    // RFC 1951 3.2.5: length codes 257..285 and distance codes 0..29.
    static final int[] LENGTH_BASE = new int[29];
    static final int[] LENGTH_EXTRA = new int[29];
    static final int[] DIST_BASE = new int[30];
    static final int[] DIST_EXTRA = new int[30];
    /** length − 3 → length code − 257. */
    private static final byte[] LENGTH_CODE = new byte[256];
    /** distance − 1 below 256 → code; above, at 256 + ((distance − 1) >> 7). */
    private static final byte[] DIST_CODE = new byte[512];
    private static final byte[] FIXED_LIT = new byte[288];
    private static final byte[] FIXED_DIST = new byte[30];
    /** The order the code-length code's lengths are sent in (RFC 1951 3.2.7). */
    private static final int[] CL_ORDER = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

    static {
        int len = 3;
        for (int c = 0; c < 28; c++) {
            LENGTH_EXTRA[c] = c < 8 ? 0 : c / 4 - 1;
            LENGTH_BASE[c] = len;
            for (int i = 0; i < 1 << LENGTH_EXTRA[c]; i++) {
                LENGTH_CODE[len - 3 + i] = (byte) c;
            }
            len += 1 << LENGTH_EXTRA[c];
        }
        LENGTH_BASE[28] = 258;
        LENGTH_CODE[255] = 28;
        int dist = 1;
        for (int c = 0; c < 30; c++) {
            DIST_EXTRA[c] = c < 4 ? 0 : c / 2 - 1;
            DIST_BASE[c] = dist;
            for (int i = 0; i < 1 << DIST_EXTRA[c]; i++) {
                int d = dist - 1 + i;
                if (d < 256) {
                    DIST_CODE[d] = (byte) c;
                } else {
                    DIST_CODE[256 + (d >> 7)] = (byte) c;
                }
            }
            dist += 1 << DIST_EXTRA[c];
        }
        for (int i = 0; i < 288; i++) {
            FIXED_LIT[i] = (byte) (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8);
        }
        Arrays.fill(FIXED_DIST, (byte) 5);
        // StrictMath: the same table on every JVM (it is computed once, so its cost does not matter).
        for (int i = 0; i < 256; i++) {
            LOG2_FRACTION[i] = (int) Math.round(StrictMath.log(1 + i / 256.0) / StrictMath.log(2) * 65536);
        }
    }

    /**
     * Per level: lazy?, chain length, length that stops the search, length not worth a lazy look, length
     * after which a lazy look searches a quarter of the chain, literals in a row after which positions are
     * skipped.
     */
    private record Params(boolean lazy, int chain, int nice, int lazyStop, int good, int misses) {
    }

    private static final Params[] LEVELS = {
            null,
            new Params(false, 2, 16, 0, 0, 64),
            new Params(false, 4, 24, 0, 0, 64),
            new Params(false, 8, 32, 0, 0, 64),
            new Params(true, 6, 32, 8, 4, 64),
            new Params(true, 10, 48, 12, 6, 64),
            new Params(true, 16, 64, 16, 8, 64),
            new Params(true, 48, 128, 32, 16, 256),
            new Params(true, 256, 258, 128, 64, Integer.MAX_VALUE),
            new Params(true, 1024, 258, 258, 258, Integer.MAX_VALUE),
    };

    private final int level;
    private final Params params;
    private final int[] head = new int[1 << HASH_BITS];
    /** For each position of the window, how far back the previous one with its hash is (0: none near). */
    private final char[] prev = new char[WINDOW];
    /** The last position of each 3-byte sequence's hash: length-3 matches, worth it only near. */
    private final int[] head3 = new int[1 << HASH3_BITS];
    private final int[] symbols = new int[MAX_BLOCK_SYMBOLS + 2 * CHUNK];
    private final int[] litFreq = new int[286];
    private final int[] distFreq = new int[30];
    private final int[] chunkLit = new int[286];
    private final int[] chunkDist = new int[30];
    private final int[] mergedLit = new int[286];
    private final int[] mergedDist = new int[30];
    private int blockSymbols;
    private int blockFrom;
    private int chunkFrom;
    private long blockCost;
    private final byte[] litLen = new byte[286];
    private final byte[] distLen = new byte[30];
    private final int[] litCode = new int[288];
    private final int[] distCode = new int[30];
    private final Huffman huffman = new Huffman();
    private final Header header = new Header();
    private int symbolCount;
    private int inserted;

    // The output: bits not yet written wait in a long.
    private byte[] out;
    private int pos;
    private long bitBuf;
    private int bitCount;

    public Deflate(int level) {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("deflate level must be 0-9, not " + level);
        }
        this.level = level;
        this.params = LEVELS[level];
    }

    /** An encoder with its own search parameters, to measure other choices for a level. */
    Deflate(boolean lazy, int chain, int nice, int lazyStop, int good, int misses) {
        this.level = 6;
        this.params = new Params(lazy, chain, nice, lazyStop, good, misses);
    }

    /**
     * Deflates {@code data[start, end)} into {@code out} (grown as needed; returned), {@code data[history,
     * start)} being what came before. Ends with the final block when {@code last}, else with an empty stored
     * block, byte-aligned either way. {@code data} must have {@link #SLACK} bytes after {@code end}.
     * {@link #length()} tells how many bytes of the returned array were written.
     */
    public byte[] encode(byte[] data, int history, int start, int end, boolean last, byte[] out) {
        if (history < 0 || history > start || start > end || end + SLACK > data.length) {
            throw new IllegalArgumentException("bad range");
        }
        history = Math.max(history, start - WINDOW);
        this.out = out != null ? out : new byte[(end - start) / 2 + 1024];
        this.pos = 0;
        this.bitBuf = 0;
        this.bitCount = 0;
        if (level == 0 || end == start) {
            if (end > start || last) {
                storedOrEmpty(data, start, end, last);
            }
        } else {
            deflate(data, history, start, end, last);
        }
        if (!last) {
            ensure(8);
            putBits(0, 3);
            alignAndLength(0);
        } else {
            flushBits();
        }
        byte[] result = this.out;
        this.out = null;
        return result;
    }

    /** How many bytes the last {@link #encode} wrote. */
    public int length() {
        return pos;
    }

    private void storedOrEmpty(byte[] data, int start, int end, boolean last) {
        if (end == start) {
            // A final block with nothing in it: fixed codes, just the end-of-block symbol.
            ensure(8);
            putBits(1 | 1 << 1, 3);
            putBits(0, 7);
            return;
        }
        stored(data, start, end, last);
    }

    private void deflate(byte[] data, int history, int start, int end, boolean last) {
        Arrays.fill(head, -1);
        Arrays.fill(head3, -1);
        inserted = history;
        insertUpTo(data, start, end);
        clearBlock();
        Arrays.fill(chunkLit, 0);
        Arrays.fill(chunkDist, 0);
        symbolCount = 0;
        blockSymbols = 0;
        blockFrom = start;
        chunkFrom = start;
        int p = start;
        int misses = 0;
        int[] found = new int[2];
        Params pr = params;
        while (p < end) {
            if (p + MIN_MATCH > end) {
                literal(data[p] & 0xff);
                p++;
            } else {
                insertUpTo(data, p, end);
                int len = find(data, history, p, end, pr.chain, pr.nice, 0, found);
                if (len == 0) {
                    literal(data[p] & 0xff);
                    p++;
                    misses++;
                    if (misses > pr.misses) {
                        // Long without a match (compressed data, like the entries of a jar): search fewer
                        // positions, more so the longer it lasts, until one matches.
                        int skip = Math.min((misses - pr.misses) >> 5, Math.min(7, end - MIN_MATCH - p));
                        for (int i = 0; i < skip; i++) {
                            literal(data[p++] & 0xff);
                        }
                        inserted = Math.max(inserted, p);
                    }
                } else {
                    misses = 0;
                    int dist = found[1];
                    if (pr.lazy) {
                        while (len < pr.lazyStop && p + 1 + MIN_MATCH <= end) {
                            int chain = len >= pr.good ? pr.chain >> 2 : pr.chain;
                            int len2 = find(data, history, p + 1, end, chain, pr.nice, len, found);
                            if (len2 > len) {
                                literal(data[p] & 0xff);
                                p++;
                                len = len2;
                                dist = found[1];
                                if (symbolCount - blockSymbols >= CHUNK) {
                                    break;
                                }
                            } else {
                                break;
                            }
                        }
                    }
                    match(len, dist);
                    p += len;
                    if (!pr.lazy && len > pr.nice) {
                        inserted = Math.max(inserted, p - 1);
                    }
                }
            }
            if (symbolCount - blockSymbols >= CHUNK) {
                checkpoint(data, p);
            }
        }
        if (symbolCount > blockSymbols) {
            checkpoint(data, p);
        }
        if (blockSymbols > 0 || last) {
            writeBlock(data, blockFrom, p, last, blockSymbols);
        }
    }

    /**
     * The symbols since the last checkpoint either join the block being gathered or, when their statistics
     * differ enough that two blocks would be smaller despite the second header, end it: the block is written.
     */
    private void checkpoint(byte[] data, int p) {
        long chunkCost = estimate(chunkLit, chunkDist);
        if (blockSymbols == 0) {
            System.arraycopy(chunkLit, 0, litFreq, 0, 286);
            System.arraycopy(chunkDist, 0, distFreq, 0, 30);
            blockCost = chunkCost;
        } else {
            for (int i = 0; i < 286; i++) {
                mergedLit[i] = litFreq[i] + chunkLit[i];
            }
            for (int i = 0; i < 30; i++) {
                mergedDist[i] = distFreq[i] + chunkDist[i];
            }
            long mergedCost = estimate(mergedLit, mergedDist);
            if (mergedCost > blockCost + chunkCost + SPLIT_BITS) {
                writeBlock(data, blockFrom, chunkFrom, false, blockSymbols);
                System.arraycopy(symbols, blockSymbols, symbols, 0, symbolCount - blockSymbols);
                symbolCount -= blockSymbols;
                System.arraycopy(chunkLit, 0, litFreq, 0, 286);
                System.arraycopy(chunkDist, 0, distFreq, 0, 30);
                blockCost = chunkCost;
                blockFrom = chunkFrom;
            } else {
                System.arraycopy(mergedLit, 0, litFreq, 0, 286);
                System.arraycopy(mergedDist, 0, distFreq, 0, 30);
                blockCost = mergedCost;
            }
        }
        blockSymbols = symbolCount;
        Arrays.fill(chunkLit, 0);
        Arrays.fill(chunkDist, 0);
        chunkFrom = p;
        if (blockSymbols >= MAX_BLOCK_SYMBOLS) {
            writeBlock(data, blockFrom, p, false, blockSymbols);
            symbolCount = 0;
            blockSymbols = 0;
            blockFrom = p;
        }
    }

    /**
     * Bits the symbols would take with ideal codes (their entropy), in 16.16 fixed point: integer arithmetic,
     * so every JVM decides alike, and cheap enough to run every 1,024 symbols.
     */
    private static long estimate(int[] lit, int[] dist) {
        return entropy(lit, 286) + entropy(dist, 30);
    }

    private static long entropy(int[] freq, int n) {
        long total = 0;
        long sum = 0;
        for (int i = 0; i < n; i++) {
            int f = freq[i];
            if (f != 0) {
                total += f;
                sum += (long) f * log2(f);
            }
        }
        return total == 0 ? 0 : total * log2((int) total) - sum;
    }

    /** log2(x) for x ≥ 1 in 16.16 fixed point, to within 1/256 of a bit. */
    static int log2(int x) {
        int e = 31 - Integer.numberOfLeadingZeros(x);
        int m = (x << (31 - e) >>> 23) & 0xff;
        return (e << 16) + LOG2_FRACTION[m];
    }

    /** Adds every position before {@code upTo} not yet in the hash chains (each needs 4 bytes before {@code end}). */
    private void insertUpTo(byte[] data, int upTo, int end) {
        int q = inserted;
        int stop = Math.min(upTo, end - MIN_MATCH + 1);
        int[] h = head;
        char[] pv = prev;
        int[] h3 = head3;
        while (q < stop) {
            int four = (int) INT.get(data, q);
            int k = hash(four);
            pv[q & CHAIN_MASK] = link(q, h[k]);
            h[k] = q;
            h3[hash3(four)] = q;
            q++;
        }
        if (upTo > inserted) {
            inserted = upTo;
        }
    }

    private static char link(int p, int previous) {
        int d = p - previous;
        return d > WINDOW ? 0 : (char) d;
    }

    private static int hash3(int four) {
        return ((four << 8) * 0x9E3779B1) >>> (32 - HASH3_BITS);
    }

    private static int hash(int four) {
        return (four * 0x9E3779B1) >>> (32 - HASH_BITS);
    }

    /**
     * The longest match for {@code p} (which it inserts) longer than {@code better}, looking at most
     * {@code chain} candidates; its length (0 if none beats {@code better}), the distance in {@code found[1]}.
     */
    private int find(byte[] data, int history, int p, int end, int chain, int nice, int better, int[] found) {
        int first = (int) INT.get(data, p);
        int k = hash(first);
        int cand = head[k];
        int k3 = hash3(first);
        int cand3 = head3[k3];
        if (p >= inserted) {
            prev[p & CHAIN_MASK] = link(p, cand);
            head[k] = p;
            head3[k3] = p;
            inserted = p + 1;
        } else if (cand == p) {
            cand = p - prev[p & CHAIN_MASK];
        }
        int limit = Math.max(history, p - MAX_DIST);
        int short3 = 0;
        if (better < 3 && cand3 < p && cand3 >= Math.max(history, p - NEAR)
                && (((int) INT.get(data, cand3) ^ first) & 0xffffff) == 0) {
            found[1] = p - cand3;
            short3 = 3;
        }
        int max = Math.min(MAX_MATCH, end - p);
        if (nice > max) {
            nice = max;
        }
        int best = Math.max(better, MIN_MATCH - 1);
        if (best >= max) {
            return short3;
        }
        int bestDist = 0;
        while (cand >= limit && chain-- > 0) {
            if ((int) INT.get(data, cand + best - 3) == (int) INT.get(data, p + best - 3)
                    && (int) INT.get(data, cand) == first) {
                int n = matchLength(data, cand, p, max);
                if (n > best) {
                    best = n;
                    bestDist = p - cand;
                    if (n >= nice) {
                        break;
                    }
                }
            }
            int next = cand - prev[cand & CHAIN_MASK];
            if (next >= cand) {
                break;
            }
            cand = next;
        }
        if (bestDist == 0) {
            return short3;
        }
        found[1] = bestDist;
        return best;
    }

    private static int matchLength(byte[] data, int a, int b, int max) {
        int n = 4;
        while (n + 8 <= max) {
            long x = (long) LONG.get(data, a + n) ^ (long) LONG.get(data, b + n);
            if (x != 0) {
                return n + (Long.numberOfTrailingZeros(x) >>> 3);
            }
            n += 8;
        }
        while (n < max && data[a + n] == data[b + n]) {
            n++;
        }
        return n;
    }

    private void clearBlock() {
        Arrays.fill(litFreq, 0);
        Arrays.fill(distFreq, 0);
    }

    private void literal(int b) {
        symbols[symbolCount++] = b;
        chunkLit[b]++;
    }

    private void match(int len, int dist) {
        symbols[symbolCount++] = dist << 9 | (256 + len - 3);
        chunkLit[257 + LENGTH_CODE[len - 3]]++;
        chunkDist[distCode(dist)]++;
    }

    private static int distCode(int dist) {
        int d = dist - 1;
        return d < 256 ? DIST_CODE[d] : DIST_CODE[256 + (d >> 7)];
    }

    /** Writes the block of the symbols gathered, as whichever of stored, fixed or dynamic is smallest. */
    private void writeBlock(byte[] data, int from, int to, boolean last, int nSymbols) {
        litFreq[256]++;
        long extra = 0;
        for (int c = 0; c < 29; c++) {
            extra += (long) litFreq[257 + c] * LENGTH_EXTRA[c];
        }
        for (int c = 0; c < 30; c++) {
            extra += (long) distFreq[c] * DIST_EXTRA[c];
        }
        huffman.lengths(litFreq, 286, 15, litLen);
        huffman.lengths(distFreq, 30, 15, distLen);
        header.plan(litLen, distLen, huffman);
        long dynamic = 3 + header.bits + extra + cost(litFreq, litLen, 286) + cost(distFreq, distLen, 30);
        long fixed = 3 + extra + cost(litFreq, FIXED_LIT, 286) + cost(distFreq, FIXED_DIST, 30);
        long stored = storedBits(to - from);
        if (stored <= fixed && stored <= dynamic && to > from) {
            stored(data, from, to, last);
        } else {
            ensure((int) (Math.min(fixed, dynamic) >> 3) + 16);
            if (dynamic < fixed) {
                putBits((last ? 1 : 0) | 2 << 1, 3);
                header.write(this);
                codes(litLen, 286, litCode);
                codes(distLen, 30, distCode);
            } else {
                putBits((last ? 1 : 0) | 1 << 1, 3);
                codes(FIXED_LIT, 288, litCode);
                codes(FIXED_DIST, 30, distCode);
            }
            symbolsOut(dynamic < fixed ? litLen : FIXED_LIT, dynamic < fixed ? distLen : FIXED_DIST, nSymbols);
        }
        clearBlock();
    }

    private static long cost(int[] freq, byte[] len, int n) {
        long bits = 0;
        for (int i = 0; i < n; i++) {
            bits += (long) freq[i] * len[i];
        }
        return bits;
    }

    private long storedBits(int n) {
        long bits = 0;
        int at = bitCount;
        do {
            int k = Math.min(n, 65535);
            bits += 3;
            at += 3;
            int pad = (8 - (at & 7)) & 7;
            bits += pad + 32 + 8L * k;
            at = 0;
            n -= k;
        } while (n > 0);
        return bits;
    }

    private void stored(byte[] data, int from, int to, boolean last) {
        do {
            int k = Math.min(to - from, 65535);
            boolean fin = last && from + k == to;
            ensure(k + 16);
            putBits(fin ? 1 : 0, 3);
            alignAndLength(k);
            System.arraycopy(data, from, out, pos, k);
            pos += k;
            from += k;
        } while (from < to);
    }

    /** Pads to a byte and writes a stored block's LEN and NLEN. */
    private void alignAndLength(int k) {
        flushBits();
        out[pos++] = (byte) k;
        out[pos++] = (byte) (k >> 8);
        out[pos++] = (byte) ~k;
        out[pos++] = (byte) (~k >> 8);
    }

    /** Canonical codes (RFC 1951 3.2.2) for {@code len}, bit-reversed because DEFLATE sends them high bit first. */
    static void codes(byte[] len, int n, int[] code) {
        int[] count = new int[16];
        for (int i = 0; i < n; i++) {
            count[len[i]]++;
        }
        count[0] = 0;
        int[] next = new int[16];
        int c = 0;
        for (int bits = 1; bits < 16; bits++) {
            c = (c + count[bits - 1]) << 1;
            next[bits] = c;
        }
        for (int i = 0; i < n; i++) {
            int l = len[i];
            if (l != 0) {
                code[i] = Integer.reverse(next[l]++) >>> (32 - l);
            }
        }
    }

    private void symbolsOut(byte[] lLen, byte[] dLen, int n) {
        int[] lc = litCode;
        int[] dc = distCode;
        int[] syms = symbols;
        byte[] o = out;
        int op = pos;
        long bb = bitBuf;
        int bc = bitCount;
        for (int i = 0; i < n; i++) {
            int s = syms[i];
            if (s < 256) {
                bb |= (long) lc[s] << bc;
                bc += lLen[s];
            } else {
                int l3 = (s & 511) - 256;
                int c = LENGTH_CODE[l3];
                int sym = 257 + c;
                bb |= (long) lc[sym] << bc;
                bc += lLen[sym];
                bb |= (long) (l3 + 3 - LENGTH_BASE[c]) << bc;
                bc += LENGTH_EXTRA[c];
                int dist = s >>> 9;
                int d = distCode(dist);
                bb |= (long) dc[d] << bc;
                bc += dLen[d];
                if (bc >= 32) {
                    INT.set(o, op, (int) bb);
                    op += 4;
                    bb >>>= 32;
                    bc -= 32;
                }
                bb |= (long) (dist - DIST_BASE[d]) << bc;
                bc += DIST_EXTRA[d];
            }
            if (bc >= 32) {
                INT.set(o, op, (int) bb);
                op += 4;
                bb >>>= 32;
                bc -= 32;
            }
        }
        bb |= (long) lc[256] << bc;
        bc += lLen[256];
        pos = op;
        bitBuf = bb;
        bitCount = bc;
        while (bitCount >= 8) {
            out[pos++] = (byte) bitBuf;
            bitBuf >>>= 8;
            bitCount -= 8;
        }
    }

    void putBits(int bits, int n) {
        bitBuf |= (long) bits << bitCount;
        bitCount += n;
        while (bitCount >= 8) {
            out[pos++] = (byte) bitBuf;
            bitBuf >>>= 8;
            bitCount -= 8;
        }
    }

    private void flushBits() {
        if (bitCount > 0) {
            out[pos++] = (byte) bitBuf;
        }
        bitBuf = 0;
        bitCount = 0;
    }

    private void ensure(int room) {
        if (pos + room + 8 > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, pos + room + 8));
        }
    }

    /** A dynamic block's header: the code lengths, run-length coded, and the code-length code. */
    private static final class Header {
        private final byte[] all = new byte[286 + 30];
        private final int[] rle = new int[286 + 30];
        private final int[] clFreq = new int[19];
        private final byte[] clLen = new byte[19];
        private final int[] clCode = new int[19];
        private int rleCount;
        private int hlit;
        private int hdist;
        private int hclen;
        long bits;

        void plan(byte[] litLen, byte[] distLen, Huffman huffman) {
            hlit = 286;
            while (hlit > 257 && litLen[hlit - 1] == 0) {
                hlit--;
            }
            hdist = 30;
            while (hdist > 1 && distLen[hdist - 1] == 0) {
                hdist--;
            }
            System.arraycopy(litLen, 0, all, 0, hlit);
            System.arraycopy(distLen, 0, all, hlit, hdist);
            int n = hlit + hdist;
            Arrays.fill(clFreq, 0);
            rleCount = 0;
            for (int i = 0; i < n; ) {
                int v = all[i];
                int run = 1;
                while (i + run < n && all[i + run] == v) {
                    run++;
                }
                i += run;
                if (v == 0) {
                    while (run >= 11) {
                        int k = Math.min(run, 138);
                        add(18, k - 11);
                        run -= k;
                    }
                    if (run >= 3) {
                        add(17, run - 3);
                        run = 0;
                    }
                } else {
                    add(v, 0);
                    run--;
                    while (run >= 3) {
                        int k = Math.min(run, 6);
                        add(16, k - 3);
                        run -= k;
                    }
                }
                while (run-- > 0) {
                    add(v, 0);
                }
            }
            huffman.lengths(clFreq, 19, 7, clLen);
            hclen = 19;
            while (hclen > 4 && clLen[CL_ORDER[hclen - 1]] == 0) {
                hclen--;
            }
            bits = 5 + 5 + 4 + 3L * hclen + clFreq[16] * 2L + clFreq[17] * 3L + clFreq[18] * 7L;
            for (int i = 0; i < 19; i++) {
                bits += (long) clFreq[i] * clLen[i];
            }
        }

        private void add(int symbol, int extra) {
            rle[rleCount++] = symbol | extra << 5;
            clFreq[symbol]++;
        }

        void write(Deflate d) {
            d.putBits(hlit - 257, 5);
            d.putBits(hdist - 1, 5);
            d.putBits(hclen - 4, 4);
            for (int i = 0; i < hclen; i++) {
                d.putBits(clLen[CL_ORDER[i]], 3);
            }
            codes(clLen, 19, clCode);
            for (int i = 0; i < rleCount; i++) {
                int s = rle[i] & 31;
                int extra = rle[i] >>> 5;
                d.putBits(clCode[s], clLen[s]);
                if (s >= 16) {
                    d.putBits(extra, s == 16 ? 2 : s == 17 ? 3 : 7);
                }
            }
        }
    }
}
