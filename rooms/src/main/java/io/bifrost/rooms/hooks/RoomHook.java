package io.bifrost.rooms.hooks;

import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.room.LeaveReason;
import io.bifrost.rooms.room.Participant;

/**
 * What happened in a room that the app's backend hears of by webhook. A room records each one
 * in the same step as the change itself, hidden participants included, so the record is complete
 * and in room order; which webhooks a record makes is decided when it is delivered.
 */
public sealed interface RoomHook {

    /** The room came to be: the backend created it, or a join found no room by that name. */
    record Started(RoomMode mode) implements RoomHook {}

    /** The room is gone: its last participant left a room no backend created, or the backend deleted it. */
    record Finished() implements RoomHook {}

    record Joined(Participant participant) implements RoomHook {}

    /** @param participant as it was when it left */
    record Left(Participant participant, LeaveReason reason) implements RoomHook {}

    /** @param change what was asked for, as in {@code ParticipantChange.wireName()} */
    record Changed(String change, Participant before, Participant after) implements RoomHook {}
}
