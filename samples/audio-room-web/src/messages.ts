/** What to tell people when something fails: one sentence they can act on, never a stack trace. */
import { BifrostError } from '@bifrost/client';
import { ApiError } from './api';

/** Why joining a room failed (the backend's token, or Bifrost's admission). */
export function joinFailure(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'Your session has ended. Please sign in again.';
    if (error.status === 404) return 'This room does not exist any more.';
    if (error.status === 0) return error.message;
    return `The room could not be opened: ${sentence(error.message)}`;
  }
  if (error instanceof BifrostError) {
    switch (error.code) {
      case 'unauthorized':
        return error.reason === 'expired' || error.reason === 'not-yet-valid'
          ? 'Your pass to this room has expired (is this computer’s clock right?). Please try again.'
          : 'The room refused your pass to it. Please try again; if it keeps happening, the app server is misconfigured.';
      case 'forbidden':
        return 'You are not allowed in this room.';
      case 'room-full':
        return 'This room is full. Try again in a little while.';
      case 'duplicate-identity':
        return 'You are already in this room in another tab or on another device.';
      case 'unavailable':
        return 'The room server is busy or restarting. Try again in a moment.';
      case 'connection-lost':
      case 'timeout':
        return 'The room server cannot be reached. Check your connection and try again.';
      case 'sfu-unavailable':
        return sfuUnavailable;
      default:
        return `Something went wrong while joining (${error.code}). Please try again.`;
    }
  }
  return 'Something went wrong while joining. Please try again.';
}

export const sfuUnavailable = 'The audio server is unavailable right now: nobody on stage can be heard until it is back.';

/** Why the room ended under you; undefined when you left it yourself. */
export function roomEnded(reason: string, error?: BifrostError): string | undefined {
  switch (reason) {
    case 'left':
      return undefined;
    case 'refused':
      return error ? joinFailure(error) : 'The room did not let you back in.';
    case 'reconnect-failed':
    case 'connection-lost':
      return 'The connection to the room was lost and could not be restored.';
    case 'resumed-elsewhere':
      return 'You opened this room in another tab, so this one has left it.';
    case 'server-shutdown':
      return 'The room server shut down.';
    case 'removed':
      return 'A host removed you from the room.';
    case 'room-deleted':
      return 'This room was closed.';
    default:
      return `You left the room (${reason}).`;
  }
}

/** Why the microphone could not be used. */
export function microphoneFailure(error: unknown): string {
  if (error instanceof DOMException) {
    if (error.name === 'NotAllowedError') return 'Your microphone is blocked: allow it in the browser’s address bar to be heard.';
    if (error.name === 'NotFoundError') return 'No microphone was found: plug one in to be heard.';
    if (error.name === 'NotReadableError') return 'Your microphone is in use by another app.';
  }
  if (error instanceof BifrostError) {
    if (error.code === 'sfu-unavailable') return sfuUnavailable;
    if (error.reason === 'no-media-devices') return 'This page cannot use a microphone (it needs https).';
    if (error.code === 'forbidden') return 'You need to be on stage to speak.';
  }
  return 'Your microphone could not be used.';
}

/** A host's or listener's action (promote, mute, raise hand, chat) that failed. */
export function actionFailure(what: string, error: unknown): string {
  if (error instanceof BifrostError) {
    switch (error.code) {
      case 'forbidden':
        return `You are not allowed to ${what}.`;
      case 'not-found':
        return `Could not ${what}: they have left the room.`;
      case 'rate-limited':
        return `Slow down a little: could not ${what}.`;
      case 'connection-lost':
      case 'timeout':
        return `Could not ${what}: the connection is down. Try again once it is back.`;
      default:
        return `Could not ${what} (${error.code}).`;
    }
  }
  return `Could not ${what}.`;
}

/** A server's message as the end of a sentence: one full stop, whether it brought its own or not. */
export function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
