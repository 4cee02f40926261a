package ai.refold.webhooks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The deliveries an inbox is storing now, counted from before the closing check until the insert ended: a worker
 * draining at close must not stop while one that passed the check is still being stored, and waits for it here,
 * woken when the last one ends, rather than asking the store again and again until it does.
 */
final class Intakes {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final BooleanSupplier closing;

    Intakes(BooleanSupplier closing) {
        this.closing = closing;
    }

    void begin() {
        inFlight.incrementAndGet();
    }

    // Only a closing inbox has workers waiting: read after the count, so that one which saw it above zero is woken.
    void end() {
        if (inFlight.decrementAndGet() == 0 && closing.getAsBoolean()) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Returns whether a delivery is being stored now. */
    boolean any() {
        return inFlight.get() > 0;
    }

    /** Waits until no delivery is being stored, or until {@code deadline} ({@link System#nanoTime()}) passed. */
    synchronized void awaitNone(long deadline) throws InterruptedException {
        while (inFlight.get() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }
}
