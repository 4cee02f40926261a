package ai.refold.webhooks.test.hardening;

import ai.refold.webhooks.EventFilter;
import ai.refold.webhooks.WebhookReceiver;
import ai.refold.webhooks.event.EventType;
import ai.refold.webhooks.event.WebhookEvent;
import ai.refold.webhooks.event.WorkflowEvent;
import ai.refold.webhooks.idempotency.ClaimResult;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.idempotency.StoreUnavailableException;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The receiver every catalogue row runs against, fresh for each row: the catalogue's two keys, the row's body
 * limit, read deadline and body budget, and a handler that records each event but those of
 * {@link HostileRequests#UNHANDLED}. Four workflow instance ids play the pipeline's other states:
 * {@value HostileRequests#HANDLER_THROWS} makes the handler throw, {@value HostileRequests#STORE_DOWN} makes the
 * store fail, {@value HostileRequests#IN_PROGRESS} is claimed by another delivery and
 * {@value HostileRequests#ALREADY_DONE} was processed before.
 */
public final class CatalogueReceiver {

    /**
     * The documented events the row's handler takes: all but {@link HostileRequests#UNHANDLED}, whose deliveries are
     * acknowledged as ignored; unknown events are taken too.
     */
    public static final EventFilter<WebhookEvent> HANDLED_EVENTS = EventFilter.of(WebhookEvent.class).withTypes(
            EnumSet.complementOf(EnumSet.of(HostileRequests.UNHANDLED)).toArray(new EventType[0]));

    private final WebhookReceiver receiver;
    private final IdempotencyStore store = new FixtureStore();
    private final List<WebhookEvent> handled = new CopyOnWriteArrayList<>();

    private CatalogueReceiver(HostileRequest row) {
        store.claim(keyOf(HostileRequests.IN_PROGRESS), "another-delivery", Duration.ofHours(1));
        store.claim(keyOf(HostileRequests.ALREADY_DONE), "an-earlier-delivery", Duration.ofHours(1));
        store.complete(keyOf(HostileRequests.ALREADY_DONE), "an-earlier-delivery", Duration.ofDays(7));
        this.receiver = WebhookReceiver.builder()
                .signingKey("live", HostileRequests.LIVE_KEY)
                .signingKey("previous", HostileRequests.PREVIOUS_KEY)
                .maxBodyBytes(row.maxBodyBytes())
                .readDeadline(row.readDeadline())
                .bodyBudget(row.bodyBudgetBytes())
                .idempotencyStore(store)
                .on(HANDLED_EVENTS, (event, context) -> handle(event))
                .onUnknown((event, context) -> handle(event))
                .build();
    }

    /**
     * {@return a fresh receiver for {@code row}}
     *
     * @param row the catalogue row whose limits the receiver takes
     */
    public static CatalogueReceiver forRow(HostileRequest row) {
        return new CatalogueReceiver(row);
    }

    /** {@return the receiver} */
    public WebhookReceiver receiver() {
        return receiver;
    }

    /**
     * {@return the row's store, for an adapter that builds its own receiver around it: the in-memory store with the
     * in-progress and already-done events claimed, down for any key naming the store-down event}
     */
    public IdempotencyStore store() {
        return store;
    }

    /**
     * Handles {@code event} as the row's handler does: records it, and throws for the handler-throws event. An
     * adapter that builds its own receiver calls this from its handler.
     *
     * @param event the event the adapter's handler was given
     * @throws IllegalStateException if {@code event} is the handler-throws event
     */
    public void handle(WebhookEvent event) {
        handled.add(event);
        if (event instanceof WorkflowEvent workflow && workflow.instanceId().equals(HostileRequests.HANDLER_THROWS)) {
            throw new IllegalStateException("the application's handler failed");
        }
    }

    /** {@return the events the handler was called with} */
    public List<WebhookEvent> handled() {
        return List.copyOf(handled);
    }

    private static String keyOf(String instanceId) {
        return "workflow-completed:-:" + instanceId;
    }

    /** The in-memory store, except that any key naming {@value HostileRequests#STORE_DOWN} finds it down. */
    private static final class FixtureStore implements IdempotencyStore {
        private final InMemoryIdempotencyStore delegate = InMemoryIdempotencyStore.create();

        @Override
        public ClaimResult claim(String key, String owner, Duration lease) {
            failIfDown(key);
            return delegate.claim(key, owner, lease);
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            failIfDown(key);
            return delegate.renew(key, owner, lease);
        }

        @Override
        public boolean complete(String key, String owner, Duration retention) {
            failIfDown(key);
            return delegate.complete(key, owner, retention);
        }

        @Override
        public boolean release(String key, String owner) {
            failIfDown(key);
            return delegate.release(key, owner);
        }

        private static void failIfDown(String key) {
            if (key.contains(HostileRequests.STORE_DOWN)) {
                throw new StoreUnavailableException("database connection refused");
            }
        }
    }
}
