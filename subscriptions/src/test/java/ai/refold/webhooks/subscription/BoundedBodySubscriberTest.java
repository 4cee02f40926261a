package ai.refold.webhooks.subscription;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Flow;

import static org.assertj.core.api.Assertions.assertThat;

class BoundedBodySubscriberTest {

    /** Records what the subscriber asks of the body's publisher. */
    private static final class RecordingSubscription implements Flow.Subscription {
        long requested;
        boolean cancelled;

        @Override
        public void request(long n) {
            requested += n;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private static List<ByteBuffer> buffers(String... parts) {
        return Arrays.stream(parts).map(part -> ByteBuffer.wrap(part.getBytes(StandardCharsets.UTF_8)))
                .toList();
    }

    private static String bodyOf(BoundedBodySubscriber subscriber) {
        return new String(subscriber.getBody().toCompletableFuture().getNow(null), StandardCharsets.UTF_8);
    }

    @Test
    void collectsABodyUpToTheLimitWhole() {
        BoundedBodySubscriber subscriber = new BoundedBodySubscriber(4);
        RecordingSubscription subscription = new RecordingSubscription();

        subscriber.onSubscribe(subscription);
        subscriber.onNext(buffers("ab", "c"));
        subscriber.onNext(buffers("d"));
        subscriber.onComplete();

        assertThat(bodyOf(subscriber)).isEqualTo("abcd");
        assertThat(subscription.cancelled).isFalse();
    }

    @Test
    void cutsALongerBodyAtOneByteOverTheLimitAndStopsReading() {
        BoundedBodySubscriber subscriber = new BoundedBodySubscriber(4);
        RecordingSubscription subscription = new RecordingSubscription();

        subscriber.onSubscribe(subscription);
        subscriber.onNext(buffers("abc", "defg"));
        subscriber.onNext(buffers("hij")); // already in flight when the subscription was cancelled
        subscriber.onComplete();

        assertThat(bodyOf(subscriber)).isEqualTo("abcde");
        assertThat(subscription.cancelled).isTrue();
    }

    @Test
    void passesOnAFailureToReadTheBody() {
        BoundedBodySubscriber subscriber = new BoundedBodySubscriber(4);
        subscriber.onSubscribe(new RecordingSubscription());

        subscriber.onNext(buffers("ab"));
        subscriber.onError(new EOFException("closed mid-body"));

        assertThat(subscriber.getBody().toCompletableFuture()).isCompletedExceptionally();
    }
}
