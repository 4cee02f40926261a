package ai.refold.webhooks;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The second half of a delivery: runs the handlers an admitted event reaches and ends it, on the caller's thread
 * or, in acknowledge-fast mode, on an executor after answering 200.
 */
final class Dispatch {

    private final RouteTable routes;
    private final Executor acknowledgeFast;
    private final DeliveryLog log;

    Dispatch(RouteTable routes, Executor acknowledgeFast, DeliveryLog log) {
        this.routes = routes;
        this.acknowledgeFast = acknowledgeFast;
        this.log = log;
    }

    DeliveryResult dispatch(Admission admission) {
        if (!(admission instanceof Admission.Admitted admitted)) {
            return ((Admission.Rejected) admission).result();
        }
        if (acknowledgeFast == null) {
            return run(admitted);
        }
        try {
            acknowledgeFast.execute(() -> run(admitted));
        } catch (RejectedExecutionException e) {
            return admitted.refuse(Outcome.OVERLOADED, "receiver is overloaded; retry later", e);
        }
        return log.log(admitted.result(Outcome.ACCEPTED, 200, "event accepted for processing"),
                admitted.startNanos(), null);
    }

    boolean acknowledgesFast() {
        return acknowledgeFast != null;
    }

    private DeliveryResult run(Admission.Admitted admitted) {
        Throwable failure = routes.run(admitted.event, admitted.context, log);
        return admitted.end(failure == null ? 200 : 500, failure);
    }
}
