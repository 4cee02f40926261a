package ai.refold.webhooks.webflux;

import ai.refold.webhooks.DeliveryResult;
import ai.refold.webhooks.IncomingDelivery;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Hands a delivery's body to core as its data buffers arrive, releasing each one as soon as its bytes are copied,
 * and races it against a timer for the read deadline. Whoever ends the delivery (a buffer that crossed the limit or
 * the budget, the end of the body, a failed connection, the timer) gets the one answer core gives, so exactly one
 * answer is emitted. Nothing here decides anything.
 */
final class DeliveryBody {

    private static final int CHUNK = 8192;

    private final IncomingDelivery delivery;
    // Copies go through one small array, made for the first buffer: the handle operator sees one buffer at a time.
    private byte[] chunk;

    private DeliveryBody(IncomingDelivery delivery) {
        this.delivery = delivery;
    }

    /**
     * Reads {@code body} into {@code delivery} and emits its answer: at once if the body stops it, otherwise once
     * the delivery has been processed on {@code executor}. Cancelling the answer (the client went away) ends a
     * delivery still reading, so that its bytes go back to the budget.
     */
    static Mono<DeliveryResult> answer(IncomingDelivery delivery, Flux<DataBuffer> body, Executor executor) {
        DeliveryBody reading = new DeliveryBody(delivery);
        Mono<DeliveryResult> read = body
                .<DeliveryResult>handle(reading::take)
                .next()
                .onErrorResume(failure -> Mono.justOrEmpty(delivery.fail(failure)))
                .switchIfEmpty(Mono.defer(() -> Mono.justOrEmpty(delivery.finishAsync(executor))
                        // The handlers finish and their claim is ended even if the client stops waiting.
                        .flatMap(answer -> Mono.fromFuture(answer.toCompletableFuture(), true))));
        Mono<DeliveryResult> deadline = Mono.delay(delivery.timeLeft())
                .flatMap(tick -> Mono.justOrEmpty(delivery.expire()));
        return Flux.merge(read, deadline).next()
                .doOnCancel(() -> delivery.fail(new IOException("the request was cancelled before its body was read")));
    }

    // Copies one buffer into the delivery and releases it; emits the answer if the buffer ended the delivery.
    private void take(DataBuffer buffer, SynchronousSink<DeliveryResult> sink) {
        try {
            Optional<DeliveryResult> answer = copy(buffer);
            if (answer.isPresent()) {
                sink.next(answer.get());
            }
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    private Optional<DeliveryResult> copy(DataBuffer buffer) {
        while (buffer.readableByteCount() > 0 && delivery.isReading()) {
            if (chunk == null) {
                // As large as the first buffer, up to 8 KiB: a delivery of a few hundred bytes copies through as few.
                chunk = new byte[Math.min(CHUNK, buffer.readableByteCount())];
            }
            int length = Math.min(chunk.length, buffer.readableByteCount());
            buffer.read(chunk, 0, length);
            Optional<DeliveryResult> answer = delivery.accept(chunk, 0, length);
            if (answer.isPresent()) {
                return answer;
            }
        }
        return Optional.empty();
    }
}
