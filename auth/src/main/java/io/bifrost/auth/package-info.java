/**
 * Join tokens: the claims a participant joins a room with, and issuing and verifying them.
 *
 * <p>An app backend mints a token with {@link io.bifrost.auth.TokenIssuer}; Bifrost checks it
 * with {@link io.bifrost.auth.TokenVerifier} before the websocket upgrade and gets
 * {@link io.bifrost.auth.JoinClaims} back, or a {@link io.bifrost.auth.TokenException} whose
 * {@link io.bifrost.auth.TokenException.Reason} goes on the wire. The token format is described
 * in {@code docs/tokens.md}.
 *
 * <p>A backend that receives Bifrost's webhooks checks their signature with
 * {@link io.bifrost.auth.WebhookVerifier} ({@code docs/webhooks.md}); Bifrost signs them with
 * {@link io.bifrost.auth.TokenIssuer#signWebhook}.
 *
 * <p>Nothing here knows about HTTP servers, rooms or the wire protocol; the only dependency is
 * Nimbus JOSE+JWT.
 */
package io.bifrost.auth;
