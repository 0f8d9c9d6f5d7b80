package dev.peel.testing;

import java.util.List;

/** What a {@link FaultProxy.Rule} does to a request it fires on. */
sealed interface Fault {
    /** How {@link FaultProxy.Exchange#fault()} names it. */
    String describe();

    /** Answer without forwarding; the request body is read and discarded so the connection stays usable. */
    record Respond(int status, byte[] body, List<String> headers) implements Fault {
        @Override
        public String describe() {
            return "respond " + status;
        }
    }

    /** Reset the client connection as soon as the request head is read. */
    record Reset() implements Fault {
        @Override
        public String describe() {
            return "reset";
        }
    }

    record DropRequest(long after) implements Fault {
        @Override
        public String describe() {
            return "dropRequestAfter " + after;
        }
    }

    record DropResponse(long after) implements Fault {
        @Override
        public String describe() {
            return "dropResponseAfter " + after;
        }
    }

    record Truncate(long after) implements Fault {
        @Override
        public String describe() {
            return "truncateResponseBody " + after;
        }
    }

    record Stall(long millis) implements Fault {
        @Override
        public String describe() {
            return "stall " + millis + " ms";
        }
    }

    record Rewrite(FaultProxy.Rewriter edit) implements Fault {
        @Override
        public String describe() {
            return "rewrite";
        }
    }
}
