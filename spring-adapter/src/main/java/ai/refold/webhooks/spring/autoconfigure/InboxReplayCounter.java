package ai.refold.webhooks.spring.autoconfigure;

/** Told of the dead letters the refoldinbox endpoint replays; lets the endpoint count them without Micrometer. */
interface InboxReplayCounter {

    /** Counts {@code count} dead letters made due again. */
    void replayed(int count);
}
