package dev.peel.tar;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that compress layer blocks: one per core, daemon, shared by every layer being written.
 * Separate from any pool that schedules whole layers, so a layer waiting on its blocks never starves them.
 */
public final class Workers {
    private static final int COUNT = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final ExecutorService POOL = Executors.newFixedThreadPool(COUNT, new java.util.concurrent.ThreadFactory() {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "peel-compress-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

    private Workers() {
    }

    public static ExecutorService compression() {
        return POOL;
    }

    public static int count() {
        return COUNT;
    }
}
