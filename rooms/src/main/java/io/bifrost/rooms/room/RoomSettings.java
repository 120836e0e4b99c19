package io.bifrost.rooms.room;

import io.bifrost.auth.RoomMode;
import java.util.Objects;

/**
 * How a room made by the app's backend is set up; such a room stays, empty or not, until the
 * backend deletes it. Rooms made by a join take the server's defaults and go when they empty.
 *
 * @param capacity the most participants the room admits
 * @param metadata opaque app data, {@code ""} for none
 */
public record RoomSettings(RoomMode mode, int capacity, String metadata) {

    public RoomSettings {
        Objects.requireNonNull(mode, "mode");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        metadata = metadata == null ? "" : metadata;
    }
}
