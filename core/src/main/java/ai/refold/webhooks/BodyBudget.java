package ai.refold.webhooks;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes a receiver may hold in bodies being read or handled at once. A body reserves its declared length before
 * the first byte is read (a body of unknown length reserves its buffer as it grows) and gives it back when its
 * delivery is answered. Past the budget a delivery is refused at once with 503 instead of waiting: a waiting
 * request would hold a thread and a connection, which is what an attacker wants.
 */
final class BodyBudget {

    private final long capacity;
    private final AtomicLong available;

    BodyBudget(long capacity) {
        this.capacity = capacity;
        this.available = new AtomicLong(capacity);
    }

    /** Takes {@code bytes} from the budget if it holds them, and returns whether it did. */
    boolean reserve(long bytes) {
        if (bytes <= 0) {
            return true;
        }
        long left = available.get();
        while (left >= bytes) {
            if (available.compareAndSet(left, left - bytes)) {
                return true;
            }
            left = available.get();
        }
        return false;
    }

    /** Gives back {@code bytes} taken by {@link #reserve}. */
    void release(long bytes) {
        if (bytes > 0) {
            available.addAndGet(bytes);
        }
    }

    /** Returns the bytes reserved right now. */
    long inUse() {
        return capacity - available.get();
    }

    long capacity() {
        return capacity;
    }
}
