package io.bifrost.signaling.transport;

import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.metrics.BifrostMetrics;
import io.bifrost.signaling.session.ResumeRequest;
import io.bifrost.signaling.session.Sessions;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/** The plain HTTP endpoints next to the websocket, then the demo page's files. */
final class HttpRoutes extends Handler.Wrapper {
    private static final String JSON = "application/json; charset=utf-8";
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    /** Long enough for a demo session, short enough that a leaked demo token soon dies. */
    private static final Duration DEV_TOKEN_TTL = Duration.ofHours(6);
    /** Bounds what the dev token endpoint signs: room and identity names, not documents. */
    private static final int MAX_NAME_LENGTH = 128;
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private final Admission admission;
    private final BifrostMetrics metrics;
    private final Sessions sessions;
    private final TokenIssuer devIssuer; // null unless the node runs with its development key
    private final RestApi api;
    private final ClientLimits clientLimits;
    private final Connector adminConnector; // null: the admin endpoints are served on every connector

    /** @param adminConnector the only connector that serves the REST API and metrics, or null for every one */
    HttpRoutes(Admission admission, RestApi api, ClientLimits clientLimits, BifrostMetrics metrics, Sessions sessions,
               TokenIssuer devIssuer, boolean demoPage, Connector adminConnector) {
        this.adminConnector = adminConnector;
        this.admission = admission;
        this.api = api;
        this.clientLimits = clientLimits;
        this.metrics = metrics;
        this.sessions = sessions;
        this.devIssuer = devIssuer;
        if (demoPage) {
            ResourceHandler files = new ResourceHandler();
            files.setBaseResource(ResourceFactory.of(files).newClassLoaderResource("web/"));
            files.setWelcomeFiles("index.html");
            files.setDirAllowed(false);
            setHandler(files);
        }
    }

    /**
     * Blocking, whatever the demo page's handler says: the REST API reads request bodies as
     * streams, which must not run on a selector thread, where the data they wait for would never
     * be read.
     */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        boolean read = HttpMethod.GET.is(request.getMethod()) || HttpMethod.HEAD.is(request.getMethod());
        if ((path.startsWith(RestApi.PREFIX) || path.equals("/metrics")) && !onAdminConnector(request)) {
            writeError(response, callback, 404, "not-found", "not-found", "no such endpoint here");
            return true;
        }
        if (path.startsWith(RestApi.PREFIX)) {
            api.handle(request, response, callback);
            return true;
        }
        switch (path) {
            case "/healthz":
                write(response, callback, 200, JSON, "{\"status\":\"ok\"}");
                return true;
            case "/readyz":
                boolean ready = !sessions.draining();
                write(response, callback, ready ? 200 : 503, JSON, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"draining\"}");
                return true;
            case "/metrics":
                write(response, callback, 200, PROMETHEUS, metrics.scrape());
                return true;
            case "/rtc/validate":
                validate(request, response, callback);
                return true;
            case "/rtc":
                writeError(response, callback, 400, "bad-request", "bad-request", "this endpoint needs a websocket upgrade");
                return true;
            case "/dev/token":
                if (devIssuer == null) {
                    return false;
                }
                devToken(request, response, callback);
                return true;
            default:
                return read && super.handle(request, response, callback);
        }
    }

    /** Whether the request may reach the admin endpoints: any, without an admin port; else only on it. */
    private boolean onAdminConnector(Request request) {
        return adminConnector == null || request.getConnectionMetaData().getConnector() == adminConnector;
    }

    private void validate(Request request, Response response, Callback callback) {
        // SDKs on a page of another origin ask here why an upgrade failed: let them read the answer.
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin != null && clientLimits.originAllowed(origin)) {
            response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.getHeaders().put(HttpHeader.VARY, "Origin");
        }
        Fields query = Request.extractQueryParameters(request);
        Admission.Decision decision = admission.decide(token(query, request), query.getValue("room"));
        if (!decision.admitted()) {
            writeRefusal(response, callback, decision);
            return;
        }
        JoinClaims claims = decision.claims();
        write(response, callback, 200, JSON, json(g -> {
            g.writeBooleanField("ok", true);
            g.writeStringField("room", claims.room());
            g.writeStringField("identity", claims.identity());
            g.writeStringField("role", claims.role().wireName());
            g.writeNumberField("expiresAt", claims.expiresAt().toEpochMilli());
        }));
    }

    private void devToken(Request request, Response response, Callback callback) {
        Fields query = Request.extractQueryParameters(request);
        String room = query.getValue("room");
        String identity = query.getValue("identity");
        String roleName = query.getValue("role");
        if (!validName(room) || !validName(identity)) {
            writeError(response, callback, 400, "bad-request", "bad-request",
                    "room and identity are required, 1 to " + MAX_NAME_LENGTH + " characters");
            return;
        }
        String modeName = query.getValue("mode");
        Role role;
        RoomMode mode;
        try {
            role = roleName == null ? Role.SPEAKER : Role.fromWire(roleName);
            mode = modeName == null ? null : RoomMode.fromWire(modeName);
        } catch (IllegalArgumentException e) {
            writeError(response, callback, 400, "bad-request", "bad-request", e.getMessage());
            return;
        }
        String name = query.getValue("name");
        String token = devIssuer.issue(TokenRequest.builder(room, identity)
                .name(validName(name) ? name : identity).role(role).roomMode(mode).ttl(DEV_TOKEN_TTL).build());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        write(response, callback, 200, JSON, json(g -> g.writeStringField("token", token)));
    }

    private static boolean validName(String value) {
        return value != null && !value.isBlank() && value.length() <= MAX_NAME_LENGTH;
    }

    /** The join token: the {@code access_token} parameter, else an {@code Authorization: Bearer} header. */
    static String token(Fields query, Request request) {
        String token = query.getValue("access_token");
        if (token == null) {
            String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                token = authorization.substring(7).trim();
            }
        }
        return token;
    }

    /** The {@code session} and {@code lastSeq} query parameters of a client resuming, or null. */
    static ResumeRequest resumeRequest(Fields query) {
        return ResumeRequest.of(query.getValue("session"), query.getValue("lastSeq"));
    }

    static void writeRefusal(Response response, Callback callback, Admission.Decision decision) {
        writeError(response, callback, decision.status(), decision.code().wireName(), decision.reason(), decision.message());
    }

    static void writeError(Response response, Callback callback, int status, String code, String reason, String message) {
        write(response, callback, status, JSON, json(g -> {
            g.writeStringField("code", code);
            g.writeStringField("reason", reason);
            g.writeStringField("message", message);
        }));
    }

    static void write(Response response, Callback callback, int status, String contentType, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.write(true, BufferUtil.toBuffer(body, StandardCharsets.UTF_8), callback);
    }

    private interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    private static String json(JsonBody fields) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON_FACTORY.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

}
