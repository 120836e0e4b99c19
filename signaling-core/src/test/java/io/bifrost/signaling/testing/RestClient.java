package io.bifrost.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Calls a node's REST API and checks every answer against the OpenAPI document that the node
 * itself serves: the path and method are documented, the status is one the operation lists,
 * and the body matches that response's schema. Remembers which operations answered, so a test
 * can check that every documented operation was exercised.
 */
public final class RestClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private final TestNode node;
    private final JsonNode openApi;
    private final Set<String> answered = new TreeSet<>();

    /** A call's outcome: the status and the parsed body (missing for an empty one). */
    public record Reply(int status, JsonNode body) {
        public String code() {
            return body.path("code").asText();
        }

        public String reason() {
            return body.path("reason").asText();
        }
    }

    public RestClient(TestNode node) throws IOException, InterruptedException {
        this.node = node;
        HttpResponse<String> document = node.get("/api/v1/openapi.json");
        assertThat(document.statusCode()).isEqualTo(200);
        this.openApi = JSON.readTree(document.body());
    }

    /** The same document, checking calls to another node (every node answers for every room). */
    public RestClient on(TestNode other) throws IOException, InterruptedException {
        RestClient client = new RestClient(other);
        assertThat(client.openApi).isEqualTo(openApi);
        return client;
    }

    /**
     * @param template the documented path, e.g. {@code /rooms/{room}}
     * @param path the path called, under {@code /api/v1}
     * @param token the admin token, or null for none
     * @param body a JSON body, or null for none
     */
    public Reply call(String method, String template, String path, String token, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/v1" + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body instanceof String raw ? raw : JSON.writeValueAsString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = HTTP.send(request.method(method, publisher).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode parsed = response.body().isEmpty() ? JSON.missingNode() : JSON.readTree(response.body());
        check(method, template, response.statusCode(), parsed, response.headers().firstValue("Content-Type").orElse(""));
        return new Reply(response.statusCode(), parsed);
    }

    public Reply get(String template, String path, String token) throws Exception {
        return call("GET", template, path, token, null);
    }

    /** Each documented operation ({@code GET /rooms}) that answered with a success. */
    public Set<String> answered() {
        return answered;
    }

    /** Every operation the document lists. */
    public Set<String> documented() {
        Set<String> operations = new TreeSet<>();
        openApi.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (!method.equals("parameters")) {
                operations.add(method.toUpperCase() + " " + path.getKey());
            }
        }));
        return operations;
    }

    /** Checks a webhook body against the document's {@code webhooks} entry for its event. */
    public void checkWebhook(JsonNode body) {
        String event = body.path("event").asText();
        JsonNode documented = openApi.path("webhooks").path(event).path("post");
        assertThat(documented.isMissingNode()).as("webhook %s is documented", event).isFalse();
        JsonNode schema = resolve(documented.path("requestBody")).path("content").path("application/json").path("schema");
        assertThat(schema(schema).validate(body)).as("webhook %s against the document", body).isEmpty();
    }

    private void check(String method, String template, int status, JsonNode body, String contentType) {
        String operation = method + " " + template;
        if (status == 405) { // a method the path does not have, so no operation documents the answer
            assertThat(schema(openApi.at("/components/responses/MethodNotAllowed/content/application~1json/schema"))
                    .validate(body)).as("%s 405 body %s", operation, body).isEmpty();
            return;
        }
        JsonNode documented = openApi.path("paths").path(template).path(method.toLowerCase());
        assertThat(documented.isMissingNode()).as("%s is documented", operation).isFalse();
        JsonNode response = resolve(documented.path("responses").path(Integer.toString(status)));
        assertThat(response.isMissingNode()).as("%s answered %d, which the document lists (body %s)", operation, status, body)
                .isFalse();
        JsonNode schema = response.path("content").path("application/json").path("schema");
        if (schema.isMissingNode()) {
            assertThat(body.isMissingNode()).as("%s %d has no body", operation, status).isTrue();
        } else {
            assertThat(contentType).as("%s %d content type", operation, status).startsWith("application/json");
            Set<ValidationMessage> errors = schema(schema).validate(body);
            assertThat(errors).as("%s %d body %s against the document", operation, status, body).isEmpty();
        }
        if (status < 300) {
            answered.add(operation);
        }
    }

    private JsonNode resolve(JsonNode node) {
        JsonNode ref = node.path("$ref");
        if (ref.isMissingNode()) {
            return node;
        }
        JsonNode target = openApi.at(ref.asText().substring(1));
        assertThat(target.isMissingNode()).as("%s resolves", ref.asText()).isFalse();
        return target;
    }

    /** The schema, with the document's components beside it so that its {@code #/components/…} references resolve. */
    private JsonSchema schema(JsonNode schema) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            root.set(field.getKey(), field.getValue());
        }
        root.set("components", openApi.path("components"));
        return SCHEMAS.getSchema(root);
    }
}
