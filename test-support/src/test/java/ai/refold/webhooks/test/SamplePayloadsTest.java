package ai.refold.webhooks.test;

import ai.refold.webhooks.event.EventParser;
import ai.refold.webhooks.event.EventType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplePayloadsTest {

    @ParameterizedTest
    @EnumSource(EventType.class)
    void theSampleOfEveryEventTypeIsReadFromCoreAndParsesToThatType(EventType type) {
        assertThat(EventParser.standard().parse(SamplePayloads.of(type))).isInstanceOf(type.eventClass());
    }

    @Test
    void returnsAFreshCopyOfASampleEachTime() {
        byte[] first = SamplePayloads.of(EventType.WORKFLOW_ERRORED);
        first[0] = 'X';

        assertThat(SamplePayloads.of(EventType.WORKFLOW_ERRORED)[0]).isEqualTo((byte) '{');
    }

    @Test
    void refusesANullType() {
        assertThatThrownBy(() -> SamplePayloads.of(null)).isInstanceOf(NullPointerException.class);
    }
}
