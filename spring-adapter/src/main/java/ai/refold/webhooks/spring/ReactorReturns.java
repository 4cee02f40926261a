package ai.refold.webhooks.spring;

import reactor.core.publisher.Mono;

import java.util.concurrent.CompletionStage;

/**
 * The one place the starter touches Reactor, loaded only when Reactor is on the classpath: a {@code @RefoldWebhook}
 * method's {@link Mono} becomes the stage the receiver waits for. Core knows stages, never Reactor.
 */
final class ReactorReturns {

    private ReactorReturns() {
    }

    static boolean isMono(Class<?> type) {
        return Mono.class.isAssignableFrom(type);
    }

    /**
     * Subscribes to {@code mono} on the calling thread (the one the receiver runs handlers on, never an event loop)
     * and returns the stage that completes with it; an error or a cancellation fails the stage.
     */
    static CompletionStage<?> subscribe(Object mono) {
        return ((Mono<?>) mono).toFuture();
    }
}
