package ai.refold.webhooks.signature;

import java.util.concurrent.atomic.AtomicReferenceArray;

import javax.crypto.Mac;

/**
 * A few ready working sets (one initialised {@link Mac} per key and two digest buffers) shared by every thread of
 * one verifier. A thread takes a set for one check and gives it back; when all are taken it makes one, which is
 * dropped if no slot is free on return. Unlike per-thread state, nothing outlives the verifier: virtual threads
 * do not each build their own Macs, and a servlet container's pooled threads hold no reference to a redeployed
 * application's classes.
 */
final class MacPool {

    private final SigningKey[] keys;
    private final AtomicReferenceArray<Lease> slots;
    private final int mask;

    MacPool(SigningKey[] keys) {
        this.keys = keys;
        int size = Integer.highestOneBit(Math.max(4, Math.min(64, 2 * Runtime.getRuntime().availableProcessors())));
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
        Lease first = new Lease(keys); // a key the platform rejects fails here, when the verifier is built
        slots.set(0, first);
    }

    /** Takes a working set for the calling thread; give it back with {@link #give}. */
    Lease take() {
        int start = stripe();
        for (int i = 0; i <= mask; i++) {
            int slot = (start + i) & mask;
            Lease lease = slots.get(slot);
            if (lease != null && slots.compareAndSet(slot, lease, null)) {
                return lease;
            }
        }
        return new Lease(keys);
    }

    /** Returns a working set taken with {@link #take}; its Macs are reset, since every check ends in doFinal. */
    void give(Lease lease) {
        int start = stripe();
        for (int i = 0; i <= mask; i++) {
            int slot = (start + i) & mask;
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, lease)) {
                return;
            }
        }
    }

    // Where a thread starts looking, so that threads mostly use slots of their own; a plain field read, unlike an
    // identity hash. (Thread.getId is deprecated from Java 19 for threadId, which Java 17 lacks.)
    @SuppressWarnings("deprecation")
    private static int stripe() {
        return (int) Thread.currentThread().getId();
    }

    /** One initialised Mac per key and the buffers a check needs. */
    static final class Lease {
        final Mac[] macs;
        final byte[] provided = new byte[Hmac.LENGTH];
        final byte[] expected = new byte[Hmac.LENGTH];

        Lease(SigningKey[] keys) {
            macs = new Mac[keys.length];
            for (int i = 0; i < keys.length; i++) {
                macs[i] = Hmac.newMac(keys[i].secret());
            }
        }
    }
}
