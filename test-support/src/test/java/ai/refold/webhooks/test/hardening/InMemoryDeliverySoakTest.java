package ai.refold.webhooks.test.hardening;

import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;

/** The soak against the default in-memory store. */
class InMemoryDeliverySoakTest extends DeliverySoak {

    @Override
    protected IdempotencyStore createStore(int events) {
        return InMemoryIdempotencyStore.builder().maximumSize(Math.max(100_000, 2 * events)).build();
    }
}
