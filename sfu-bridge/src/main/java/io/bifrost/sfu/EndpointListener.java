package io.bifrost.sfu;

/**
 * Hears what happens to one publisher or one subscription. Calls come from the bridge's
 * threads, one at a time per endpoint, and must not block.
 */
@FunctionalInterface
public interface EndpointListener {
    void onEvent(SfuEvent event);
}
