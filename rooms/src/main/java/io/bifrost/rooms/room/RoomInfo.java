package io.bifrost.rooms.room;

import io.bifrost.auth.RoomMode;

/**
 * A room as the app's backend sees it.
 *
 * @param participants how many participants are in the room now, hidden ones included
 * @param managed whether the backend created the room, so that it stays when empty
 */
public record RoomInfo(String name, RoomMode mode, int capacity, String metadata, int participants, boolean managed) {
}
