package ai.refold.webhooks.test;

import ai.refold.webhooks.HandClock;
import ai.refold.webhooks.idempotency.InMemoryInboxStore;
import ai.refold.webhooks.idempotency.InboxQuery;
import ai.refold.webhooks.idempotency.InboxStore;

import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The inbox contract must fail for a store that is broken in the way a test's name rules out: a suite that passes
 * against such a store would let a user's broken store through. Each case runs one test of the suite against the
 * in-memory store with one operation broken.
 */
class InboxStoreContractSelfTest {

    @Test
    void theReceiveTimeTestFailsForAStoreWhoseReplayIgnoresTheReceiveTimes() {
        BrokenStore suite = new BrokenStore("replay");
        suite.createTwoNodes();

        assertThatThrownBy(suite::replayAndDiscardMatchAReceiveTimeFromInclusiveUntilExclusive)
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void theReceiveTimeTestFailsForAStoreWhoseDiscardIgnoresTheReceiveTimes() {
        BrokenStore suite = new BrokenStore("discard");
        suite.createTwoNodes();

        assertThatThrownBy(suite::replayAndDiscardMatchAReceiveTimeFromInclusiveUntilExclusive)
                .isInstanceOf(AssertionError.class);
    }

    /** The in-memory store, except that one operation drops the receive-time range of its query. */
    static final class BrokenStore extends InboxStoreContract {
        private final HandClock clock = new HandClock(Instant.parse("2026-11-01T10:00:00Z"));
        private final InMemoryInboxStore store = InMemoryInboxStore.builder().clock(clock).build();
        private final String brokenOperation;

        BrokenStore(String brokenOperation) {
            this.brokenOperation = brokenOperation;
        }

        @Override
        protected InboxStore newNode() {
            return (InboxStore) Proxy.newProxyInstance(InboxStore.class.getClassLoader(),
                    new Class<?>[] {InboxStore.class}, (proxy, method, args) -> call(method, args));
        }

        private Object call(Method method, Object[] args) throws Throwable {
            if (method.getName().equals(brokenOperation) && args[0] instanceof InboxQuery query) {
                args = new Object[] {new InboxQuery(query.states(), query.eventType(), Optional.empty(),
                        Optional.empty(), query.limit(), query.key())};
            }
            try {
                return method.invoke(store, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        @Override
        protected void advanceTime(Duration duration) {
            clock.advance(duration);
        }

        @Override
        protected void stopStore() {
            throw new UnsupportedOperationException("not needed by the tests run here");
        }

        @Override
        protected void startStore() {
            throw new UnsupportedOperationException("not needed by the tests run here");
        }
    }
}
