package io.bifrost.signaling.transport;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * A websocket upgrade to {@code /rtc} with its query taken off the URI and kept aside, parsed once.
 * Jetty's websocket keeps the upgrade's URI and its parameters with every session for its whole
 * life; the query holds the join token, so that was about 1.5 KB of heap per connection, a token
 * in memory long after it was checked, and two more parses of it per upgrade.
 */
final class UpgradeQuery extends Request.Wrapper {
    private final HttpURI uri;
    private final Fields query;

    private UpgradeQuery(Request request) {
        super(request);
        query = Request.extractQueryParameters(request);
        uri = HttpURI.build(request.getHttpURI()).query(null).asImmutable();
    }

    @Override
    public HttpURI getHttpURI() {
        return uri;
    }

    /** The query parameters of {@code request}, taken from the upgrade they were kept for if it is one. */
    static Fields of(Request request) {
        UpgradeQuery upgrade = Request.as(request, UpgradeQuery.class);
        return upgrade != null ? upgrade.query : Request.extractQueryParameters(request);
    }

    /** Hands websocket upgrades to {@code path} on without their query; every other request as it came. */
    // Handler is spelled out: inside a Request.Wrapper the simple name means Request.Handler.
    static org.eclipse.jetty.server.Handler around(org.eclipse.jetty.server.Handler websocket, String path) {
        return new org.eclipse.jetty.server.Handler.Wrapper(websocket) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                boolean upgrade = request.getHeaders().contains(HttpHeader.UPGRADE, "websocket")
                        && path.equals(Request.getPathInContext(request));
                return super.handle(upgrade ? new UpgradeQuery(request) : request, response, callback);
            }
        };
    }
}
