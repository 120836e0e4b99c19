package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.Role;
import io.bifrost.signaling.testing.DocSnippets;
import io.bifrost.signaling.testing.DocSnippets.Outcome;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WebhookReceiver;
import io.bifrost.signaling.testing.WebhookReceiver.Delivery;
import io.bifrost.signaling.testing.WsClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/webhooks.md shows how to verify a webhook in Node.js and Python: the functions, taken from
 * the page as they stand, accept a webhook a real node sent and refuse it once its body changed.
 */
class WebhookDocsIT {
    private static final String PAGE = "webhooks.md";
    /** Calls the page's function on the body and signature in the environment and prints the event's id. */
    private static final String CALL_JS = """

            const event = await verifyWebhook(Buffer.from(process.env.WEBHOOK_BODY, 'base64'), process.env.WEBHOOK_SIGNATURE);
            console.log(event.id);
            """;
    private static final String CALL_PYTHON = """

            print(verify_webhook(base64.b64decode(os.environ["WEBHOOK_BODY"]), os.environ["WEBHOOK_SIGNATURE"])["id"])
            """;

    private static Delivery webhook;

    @BeforeAll
    static void receiveOne() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start();
             TestNode node = TestNode.start(Map.of("webhooks.url", receiver.url()))) {
            try (WsClient ann = node.join("docs-hooks", "ann", Role.SPEAKER)) {
                webhook = receiver.accepted("docs-hooks", 2, Duration.ofSeconds(15)).get(1);
            }
        }
        assertThat(webhook.event()).isEqualTo("participant-joined");
    }

    @Test
    void theNodeFunctionAcceptsAWebhookAndRefusesAChangedOne() throws Exception {
        String code = DocSnippets.snippet(PAGE, "js") + CALL_JS;

        assertAccepted(DocSnippets.node(code, env(webhook.raw())));
        assertThat(DocSnippets.node(code, env(changed(webhook.raw()))).exitCode()).isNotZero();
    }

    @Test
    void thePythonFunctionAcceptsAWebhookAndRefusesAChangedOne() throws Exception {
        String code = DocSnippets.snippet(PAGE, "python") + CALL_PYTHON;

        assertAccepted(DocSnippets.python(code, env(webhook.raw())));
        Outcome refused = DocSnippets.python(code, env(changed(webhook.raw())));
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.output()).contains("the body is not the one that was signed");
    }

    private static void assertAccepted(Outcome outcome) {
        assertThat(outcome.exitCode()).as("snippet: %s", outcome.output()).isZero();
        assertThat(outcome.output()).isEqualTo(webhook.id());
    }

    /** The same JSON with another identity: what an attacker replaying the signature would send. */
    private static byte[] changed(byte[] body) {
        return new String(body, StandardCharsets.UTF_8).replace("\"identity\":\"ann\"", "\"identity\":\"eve\"")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> env(byte[] body) {
        return Map.of("BIFROST_SECRET", TestNode.SECRET, "WEBHOOK_BODY", Base64.getEncoder().encodeToString(body),
                "WEBHOOK_SIGNATURE", webhook.signature());
    }
}
