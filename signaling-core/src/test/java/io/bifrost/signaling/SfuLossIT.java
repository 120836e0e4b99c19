package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.sfu.Direction;
import io.bifrost.sfu.FakeSfuBridge;
import io.bifrost.sfu.SfuEvent;
import io.bifrost.sfu.testing.Sdp;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When the SFU bridge gives a broadcast's endpoints up (every Janus node lost), the room stops
 * showing the speaker as publishing, and once the speaker publishes again its listeners are
 * offered a new subscription: the SFU is a fake that reports what Janus would, the server and
 * its clients are real.
 */
@Timeout(60)
class SfuLossIT {
    @Test
    void aSpeakerWhosePublisherIsLostIsNoLongerShownPublishingAndListenersGetItBackWhenItPublishesAgain() throws Exception {
        FakeSfuBridge sfu = new FakeSfuBridge();
        try (TestNode node = TestNode.start(Map.of(), sfu);
             WsClient host = node.join("radio-lost", "host", Role.HOST, RoomMode.BROADCAST);
             WsClient ann = node.join("radio-lost", "ann", Role.LISTENER)) {
            publish(sfu, host, "o1");
            assertThat(publishingUpdate(ann).path("participant").path("publishing").asBoolean()).isTrue();
            assertThat(ann.expect("offer").path("from").asText()).as("ann's subscription").isEqualTo("sfu");

            sfu.emit("radio-lost", host.id(), Direction.PUBLISH,
                    new SfuEvent.Unavailable(Direction.PUBLISH, "every Janus node is lost"));
            sfu.emit("radio-lost", ann.id(), Direction.SUBSCRIBE, new SfuEvent.Unavailable(Direction.SUBSCRIBE, "every Janus node is lost"));
            assertThat(host.expect("error").path("code").asText()).isEqualTo("sfu-unavailable");
            assertThat(ann.expect("error").path("code").asText()).isEqualTo("sfu-unavailable");
            JsonNode stopped = publishingUpdate(ann);
            assertThat(stopped.path("participant").path("id").asText()).isEqualTo(host.id());
            assertThat(stopped.path("participant").path("publishing").asBoolean()).as("the host, once its publisher is lost").isFalse();

            publish(sfu, host, "o2");
            assertThat(publishingUpdate(ann).path("participant").path("publishing").asBoolean()).isTrue();
            assertThat(ann.expect("offer").path("from").asText()).as("a new subscription for ann").isEqualTo("sfu");
        }
    }

    /** Publishes to the SFU and has media flow, as Janus reports once the browser's audio arrives. */
    private static void publish(FakeSfuBridge sfu, WsClient speaker, String id) throws Exception {
        speaker.send(Map.of("type", "offer", "id", id, "to", "sfu", "sdp", Sdp.opusOffer()));
        assertThat(speaker.expect("answer").path("id").asText()).isEqualTo(id);
        sfu.emit("radio-lost", speaker.id(), Direction.PUBLISH, new SfuEvent.MediaChanged(Direction.PUBLISH, true));
    }

    private static JsonNode publishingUpdate(WsClient client) throws Exception {
        JsonNode update;
        do {
            update = client.expect("participant-updated");
        } while (!update.path("change").asText().equals("publishing"));
        return update;
    }
}
