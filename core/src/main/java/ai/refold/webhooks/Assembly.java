package ai.refold.webhooks;

import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.ReadLimits;
import ai.refold.webhooks.idempotency.IdempotencyStore;
import ai.refold.webhooks.idempotency.InMemoryIdempotencyStore;
import ai.refold.webhooks.signature.SignatureVerifier;

/**
 * The pieces of one receiver, put together from its builder's settings: the pipeline, the dispatch, the heartbeats
 * and, in inbox mode, the inbox and its workers. Settings that exclude each other are refused here.
 */
final class Assembly {

    final Pipeline pipeline;
    final Dispatch dispatch;
    final Heartbeats heartbeats;
    final Inbox inbox;
    final ReceiverSummary summary;

    Assembly(ReceiverSettings settings, RouteTable routes) {
        if (settings.inbox != null && (settings.acknowledgeFast != null || settings.store != null)) {
            throw new IllegalStateException("inbox mode stores every delivery before answering and deduplicates by"
                    + " itself: it cannot be combined with acknowledgeFast or idempotencyStore");
        }
        SignatureVerifier verifier = settings.verifier.build();
        int maxBodyBytes = settings.maxBodyBytes;
        ErrorText errors = new ErrorText(settings.secrets);
        DeliveryLog log = new DeliveryLog(settings.listeners, settings.clock, errors);
        IdempotencyStore store = settings.store != null ? settings.store
                : InMemoryIdempotencyStore.builder().clock(settings.clock).build();
        ReadLimits defaults = ReadLimits.defaults();
        ReadLimits limits = settings.readLimits != null ? settings.readLimits
                : new ReadLimits(defaults.maxNestingDepth(), Math.min(defaults.maxStringLength(), maxBodyBytes),
                        defaults.maxNumberLength(), defaults.maxNameLength(), maxBodyBytes);
        EventParser parser = EventParser.withLimits(limits);
        Claims claims = new Claims(store, settings.lease, settings.retention, settings.contentKeyRetention, log,
                settings.pause, settings.scheduledHeartbeats);
        this.heartbeats = claims.heartbeats();
        this.inbox = settings.inbox == null ? null : new Inbox(settings.inbox, settings.inboxOptions,
                verifier.scheme().headerName(), log, claims,
                owner -> new InboxWorker(owner, routes, parser, log, claims, settings.pause, errors));
        this.pipeline = new Pipeline(maxBodyBytes, verifier, parser, settings.keyExtractor, claims, settings.clock,
                routes, new BodyBudget(settings.bodyBudget), settings.readDeadline, inbox);
        this.dispatch = new Dispatch(routes, settings.acknowledgeFast, log, heartbeats, new ResumeThreads());
        this.summary = new ReceiverSummary(verifier, settings.inbox != null ? settings.inbox : store, routes,
                settings);
        settings.warnAboutRetries(log);
    }
}
