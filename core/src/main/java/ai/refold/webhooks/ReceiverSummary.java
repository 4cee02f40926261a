package ai.refold.webhooks;

import ai.refold.webhooks.signature.SignatureVerifier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a receiver is, in words: its {@code toString()} and the one INFO line it logs when an adapter starts to
 * serve, on the {@value #LOGGER} logger. Key labels only, never keys.
 */
final class ReceiverSummary {

    static final String LOGGER = "ai.refold.webhooks.receiver";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final String header;
    private final List<String> keyLabels;
    private final String store;
    private final Map<String, Integer> handlers;
    private final String dispatch;
    private final int maxBodyBytes;
    private final Duration readDeadline;
    private final long bodyBudget;
    private final Duration lease;
    private final Duration retention;

    ReceiverSummary(SignatureVerifier verifier, Object store, RouteTable routes, ReceiverSettings settings) {
        this.header = verifier.scheme().headerName();
        this.keyLabels = verifier.keyLabels();
        this.store = store.getClass().getSimpleName();
        this.handlers = routes.handlerCounts();
        this.dispatch = settings.inbox != null ? "inbox" : settings.acknowledgeFast != null ? "acknowledge-fast"
                : "synchronous";
        this.maxBodyBytes = settings.maxBodyBytes;
        this.readDeadline = settings.readDeadline;
        this.bodyBudget = settings.bodyBudget;
        this.lease = settings.lease;
        this.retention = settings.retention;
        if (bodyBudget < maxBodyBytes) {
            LOG.warn("refold receiver body budget of {} bytes is smaller than its body limit of {} bytes: bodies"
                    + " larger than the budget are always answered 503", bodyBudget, maxBodyBytes);
        }
    }

    void announce(String path, String mode) {
        LOG.atInfo()
                .addKeyValue("path", path)
                .addKeyValue("mode", mode)
                .addKeyValue("keyLabels", keyLabels)
                .addKeyValue("handlers", handlers)
                .addKeyValue("store", store)
                .addKeyValue("dispatch", dispatch)
                .addKeyValue("maxBodyBytes", maxBodyBytes)
                .addKeyValue("readDeadlineMillis", readDeadline.toMillis())
                .addKeyValue("bodyBudgetBytes", bodyBudget)
                .log("refold webhooks receiving on path={} mode={} keys={} handlers per event type={} store={}"
                                + " dispatch={} maxBodyBytes={} readDeadline={} bodyBudgetBytes={} lease={} retention={}",
                        DeliveryLog.printable(path), DeliveryLog.printable(mode), keyLabels, handlers, store,
                        dispatch, maxBodyBytes, readDeadline, bodyBudget, lease, retention);
    }

    @Override
    public String toString() {
        return "WebhookReceiver[header=" + header + ", keys=" + keyLabels + ", store=" + store + ", maxBodyBytes="
                + maxBodyBytes + ", readDeadline=" + readDeadline + ", bodyBudget=" + bodyBudget + ", lease=" + lease
                + ", retention=" + retention + (dispatch.equals("synchronous") ? ""
                : dispatch.equals("inbox") ? ", inbox" : ", acknowledgeFast") + "]";
    }
}
