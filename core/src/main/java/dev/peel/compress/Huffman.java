package dev.peel.compress;

import java.util.Arrays;

/**
 * Code lengths for a Huffman code limited to a maximum length, always complete and with at least two codes
 * (inflaters refuse incomplete codes, and a single code of one bit is incomplete).
 *
 * <p>Huffman's construction over the symbols sorted by frequency (two queues: leaves and made nodes, both in
 * order), then the number of codes of each length; codes deeper than the limit are put at the limit, and the
 * Kraft sum is brought back to exactly one a unit at a time by splitting the deepest leaf above the limit into
 * two one level down and dropping one leaf at the limit. Lengths go back to symbols by frequency, shortest to
 * the most frequent. Reused; not thread-safe.
 */
final class Huffman {
    private final long[] sorted = new long[320];
    private final long[] weight = new long[640];
    private final int[] parent = new int[640];
    private final int[] depth = new int[640];
    private final int[] count = new int[64];

    /** Fills {@code len[0, n)} with code lengths for {@code freq[0, n)}, none over {@code limit}. */
    void lengths(int[] freq, int n, int limit, byte[] len) {
        Arrays.fill(len, 0, n, (byte) 0);
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (freq[i] != 0) {
                sorted[m++] = (long) freq[i] << 16 | i;
            }
        }
        if (m < 2) {
            int a = m == 1 ? (int) (sorted[0] & 0xffff) : 0;
            len[a] = 1;
            len[a == 0 ? 1 : 0] = 1;
            return;
        }
        Arrays.sort(sorted, 0, m);
        // Leaves 0..m-1 in order of weight; made nodes m..2m-2, made in order of weight too.
        for (int i = 0; i < m; i++) {
            weight[i] = sorted[i] >>> 16;
        }
        int leaf = 0;
        int node = m;
        for (int k = m; k < 2 * m - 1; k++) {
            int a;
            if (leaf < m && (node >= k || weight[leaf] <= weight[node])) {
                a = leaf++;
            } else {
                a = node++;
            }
            int b;
            if (leaf < m && (node >= k || weight[leaf] <= weight[node])) {
                b = leaf++;
            } else {
                b = node++;
            }
            weight[k] = weight[a] + weight[b];
            parent[a] = k;
            parent[b] = k;
        }
        int root = 2 * m - 2;
        depth[root] = 0;
        Arrays.fill(count, 0);
        for (int k = root - 1; k >= 0; k--) {
            depth[k] = depth[parent[k]] + 1;
        }
        for (int i = 0; i < m; i++) {
            count[Math.min(depth[i], limit)]++;
        }
        long kraft = 0;
        for (int l = 1; l <= limit; l++) {
            kraft += (long) count[l] << (limit - l);
        }
        while (kraft > 1L << limit) {
            int l = limit - 1;
            while (count[l] == 0) {
                l--;
            }
            count[l]--;
            count[l + 1] += 2;
            count[limit]--;
            kraft--;
        }
        // The least frequent leaves (first in sorted) get the longest codes.
        int i = 0;
        for (int l = limit; l >= 1; l--) {
            for (int c = count[l]; c > 0; c--) {
                len[(int) (sorted[i++] & 0xffff)] = (byte) l;
            }
        }
    }
}
