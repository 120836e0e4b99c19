/**
 * A room: joining it (a token from the backend, then the SDK's connect), and the live room
 * once in: the stage, the audience, your controls, chat and the notices about the connection.
 */
import { BifrostError, connect, type Room } from '@bifrost/client';
import * as api from '../api';
import { h, replaceChildren } from '../dom';
import type { View } from '../main';
import { actionFailure, joinFailure, microphoneFailure, roomEnded, sfuUnavailable } from '../messages';
import { icon } from '../icons';
import { topbar } from '../topbar';
import { AudioActivity, type Quality } from './activity';
import { Banners } from './banners';
import { ChatPanel } from './chat';
import { PeopleView, type Person } from './people';

export interface RoomNavigation {
  /** Back to the lobby. */
  exit(): void;
  /** Join the same room again, from the start. */
  rejoin(): void;
}

declare global {
  interface Window {
    /** The room this page is in, for the browser's console (and the end-to-end test). */
    audioRoom?: Room;
  }
}

/** A weak connection is reported once it has lasted this long, not at the first lost packet. */
const POOR_QUALITY_REPORT_MS = 3_000;

export function showRoom(root: HTMLElement, me: api.Me, roomName: string, nav: RoomNavigation): View {
  let disposed = false;
  let live: LiveRoom | null = null;

  async function join(): Promise<void> {
    replaceChildren(root, topbar(me), h('main', { className: 'centered' },
      h('section', { className: 'card', role: 'status' },
        h('span', { className: 'spinner large', 'aria-hidden': 'true' }),
        h('h1', {}, `Joining ${roomName}…`))));
    try {
      const grant = await api.joinToken(roomName);
      if (disposed) return;
      const room = await connect(grant.bifrostUrl, grant.token);
      if (disposed) {
        void room.leave();
        return;
      }
      live = new LiveRoom(root, me, room, nav);
    } catch (e) {
      if (disposed) return;
      showEnded(root, me, 'Could not join the room', joinFailure(e), nav);
    }
  }

  void join();
  return {
    dispose() {
      disposed = true;
      live?.dispose();
    },
  };
}

function showEnded(root: HTMLElement, me: api.Me, title: string, message: string, nav: RoomNavigation): void {
  replaceChildren(root, topbar(me), h('main', { className: 'centered' },
    h('section', { className: 'card', role: 'alert', 'aria-labelledby': 'ended-title' },
      h('h1', { id: 'ended-title' }, title),
      h('p', { className: 'ended-message' }, message),
      h('div', { className: 'button-row' },
        h('button', { type: 'button', className: 'secondary', onclick: () => nav.exit() }, 'Back to the lobby'),
        h('button', { type: 'button', className: 'primary', onclick: () => nav.rejoin() }, 'Try again')))));
}

class LiveRoom {
  private readonly banners = new Banners();
  private readonly people: PeopleView;
  private readonly chat: ChatPanel;
  private readonly activity: AudioActivity;
  /** Everyone seen in this room, by participant id: chat lines outlive their senders. */
  private readonly names = new Map<string, { name: string; identity: string }>();
  private readonly listenerCount = h('span', { className: 'listener-count', role: 'status' });
  private readonly quality = h('span', { className: 'quality unknown', role: 'status' });
  private readonly controls = h('div', { className: 'controls', role: 'toolbar', 'aria-label': 'Your controls' });
  private readonly audienceTitle = h('h2', { id: 'audience-title' });
  /**
   * Lit while sound arrives that cannot be told apart by speaker (the SFU did not label its
   * streams and several people are on stage): the room is live even without a ring.
   */
  private readonly stageAudio = h('span', { className: 'stage-audio', title: 'Someone on stage is talking' },
    icon('wave'), h('span', { className: 'visually-hidden' }, 'Someone on stage is talking'));
  /** The SFU reported itself gone and has not carried audio since. */
  private sfuDown = false;
  private selfMuted = false;
  private poorSince = 0;
  private ended = false;
  private readonly onPageHide = () => void this.room.leave();

  constructor(private readonly root: HTMLElement, private readonly me: api.Me, private readonly room: Room,
              private readonly nav: RoomNavigation) {
    window.audioRoom = room;
    this.people = new PeopleView({
      promote: (p) => this.act(`invite ${p.name} to speak`, () => room.promote(p.id)),
      demote: (p) => this.act(`move ${p.name} to the audience`, () => room.demote(p.id)),
      mute: (p, muted) => this.act(`${muted ? 'mute' : 'unmute'} ${p.name}`, () => room.mute(p.id, muted)),
    });
    this.chat = new ChatPanel(room, (id) => this.names.get(id)?.name, (id) => this.names.get(id)?.identity);
    this.layout();
    this.listen();
    this.activity = new AudioActivity(room, {
      localId: () => room.localParticipant.id,
      audibleRemotes: () => [...room.participants.values()]
        .filter((p) => (p.role === 'host' || p.role === 'speaker') && (p.publishing || room.mode === 'mesh') && !p.muted)
        .map((p) => p.id),
    }, (sample) => {
      this.people.setSpeaking(sample.speaking);
      this.stageAudio.classList.toggle('on', sample.unattributedSound);
      this.showQuality(sample.quality);
    });
    window.addEventListener('pagehide', this.onPageHide);
    this.update();
    if (room.mode === 'mesh' && mayPublish(room.localParticipant.role)) {
      // A group call: everyone talks. (Broadcast rooms publish a host's or speaker's microphone by themselves.)
      room.publishMicrophone().catch((e) => this.banners.show('microphone', microphoneFailure(e), 'warning'));
    }
    this.chat.note(`You joined ${room.name} as ${article(room.localParticipant.role)}.`);
  }

  dispose(): void {
    this.ended = true;
    this.activity.stop();
    this.banners.dispose();
    window.removeEventListener('pagehide', this.onPageHide);
    if (window.audioRoom === this.room) delete window.audioRoom;
    void this.room.leave();
  }

  private layout(): void {
    const title = h('div', { className: 'room-title' },
      h('h1', {}, this.room.name),
      h('span', { className: 'live-badge' }, 'Live'));
    replaceChildren(this.root,
      topbar(this.me, title, this.listenerCount, this.quality),
      this.banners.element,
      h('main', { className: 'room-layout' },
        h('div', { className: 'room-main' },
          h('section', { className: 'panel', 'aria-labelledby': 'stage-title' },
            h('div', { className: 'panel-head' }, h('h2', { id: 'stage-title' }, 'On stage'), this.stageAudio),
            this.people.stage),
          h('section', { className: 'panel', 'aria-labelledby': 'audience-title' },
            this.audienceTitle,
            this.people.audience),
          this.controls),
        this.chat.element));
  }

  private listen(): void {
    const room = this.room;
    room.on('participantJoined', () => this.update());
    room.on('participantLeft', () => this.update());
    room.on('participantUpdated', (p, change) => {
      const local = p === room.localParticipant;
      if (local && change === 'role') {
        this.chat.note(p.role === 'listener' ? 'You are back in the audience.' : 'You are on stage: everyone can hear you.');
        this.banners.show('note', p.role === 'listener' ? 'You are back in the audience.' : 'You are on stage: everyone can hear you.', 'success');
        if (p.role === 'listener') this.banners.clear('microphone');
      } else if (local && change === 'mute') {
        if (p.muted) this.banners.show('microphone', 'A host muted you: the room cannot hear you.', 'warning');
        else this.banners.show('microphone', 'A host unmuted you: the room hears you again.', 'success');
      } else if (local && change === 'publishing' && p.publishing) {
        this.sfuIsBack();
        if (this.selfMuted && room.localAudioTrack) room.localAudioTrack.enabled = false; // a new track after a reconnect
      } else if (!local && change === 'hand' && p.handRaised && room.localParticipant.role === 'host') {
        this.banners.show('note', `${p.name} raised a hand.`, 'info');
      }
      this.update();
    });
    room.on('listeners', () => this.update());
    room.on('chat', (message) => this.chat.add(message));
    room.on('message', (message) => this.banners.show('note', `Message from the room: ${message.text}`, 'info'));
    room.on('trackSubscribed', () => this.sfuIsBack());
    room.on('reconnecting', (attempt) => {
      this.banners.show('connection', attempt === 1 ? 'Reconnecting…' : `Reconnecting… (attempt ${attempt})`, 'info');
      this.update();
    });
    room.on('reconnected', (how) => {
      this.banners.clear('connection');
      if (how === 'resumed') {
        this.banners.show('note', 'Reconnected.', 'success');
      } else {
        this.banners.show('note', 'Reconnected. You were away for a while: messages sent meanwhile are missing.', 'warning');
        this.chat.note('You were away for a while: messages sent meanwhile are missing.');
      }
      this.update();
    });
    room.on('connectionStateChanged', () => this.update());
    room.on('error', (error) => this.onError(error));
    room.on('disconnected', (reason, error) => {
      if (this.ended) return;
      this.ended = true;
      this.activity.stop();
      const message = roomEnded(reason, error);
      if (message) showEnded(this.root, this.me, 'You are no longer in the room', message, this.nav);
    });
  }

  private onError(error: BifrostError): void {
    if (error.code === 'sfu-unavailable') {
      this.sfuDown = true;
      this.banners.show('sfu', sfuUnavailable, 'error');
    } else if (mayPublish(this.room.localParticipant.role) && !this.room.localParticipant.publishing) {
      this.banners.show('microphone', microphoneFailure(error), 'warning');
    } else {
      this.banners.show('note', `Something went wrong with the room’s audio (${error.code}).`, 'warning');
    }
  }

  private sfuIsBack(): void {
    this.sfuDown = false;
    this.banners.clear('sfu');
  }

  /** Runs a host's or listener's request; a failure becomes a notice. */
  private async act(what: string, request: () => Promise<void>): Promise<void> {
    try {
      await request();
    } catch (e) {
      this.banners.show('note', actionFailure(what, e), 'error');
    }
  }

  /** Draws everything that follows the room's state. */
  private update(): void {
    if (this.ended) return;
    const room = this.room;
    const local = room.localParticipant;
    const everyone: Person[] = [{
      id: local.id, identity: local.identity, name: local.name, role: local.role, handRaised: local.handRaised, muted: local.muted,
      publishing: local.publishing || room.mode === 'mesh', local: true, selfMuted: this.selfMuted && mayPublish(local.role),
    }];
    this.names.set(local.id, { name: local.name, identity: local.identity });
    for (const p of room.participants.values()) {
      this.names.set(p.id, { name: p.name, identity: p.identity });
      everyone.push({
        id: p.id, identity: p.identity, name: p.name, role: p.role, handRaised: p.handRaised, muted: p.muted,
        publishing: p.publishing || room.mode === 'mesh', local: false, selfMuted: false,
      });
    }
    this.people.render(everyone, local.role === 'host');

    const listed = everyone.filter((p) => !mayPublish(p.role)).length;
    const listeners = room.mode === 'broadcast' ? Math.max(room.listenerCount, listed) : 0;
    const count = room.mode === 'broadcast' ? `${listeners} listening` : `${everyone.length} in the call`;
    if (this.listenerCount.textContent !== count) this.listenerCount.textContent = count;
    this.audienceTitle.textContent = room.listenersListed
      ? `Listeners (${listed})`
      : `Raised hands (${listed} of ${listeners} listeners)`;
    this.renderControls();
  }

  private renderControls(): void {
    const room = this.room;
    const local = room.localParticipant;
    const buttons: HTMLElement[] = [];
    if (mayPublish(local.role)) {
      const off = this.selfMuted || local.muted;
      buttons.push(h('button', {
        type: 'button', className: off ? 'secondary mic off' : 'secondary mic', 'aria-pressed': String(off),
        disabled: local.muted, title: local.muted ? 'A host muted you' : undefined,
        onclick: () => {
          this.selfMuted = !this.selfMuted;
          if (room.localAudioTrack) room.localAudioTrack.enabled = !this.selfMuted;
          this.update();
        },
      }, icon(off ? 'micOff' : 'mic'), off ? 'Unmute microphone' : 'Mute microphone'));
    } else {
      buttons.push(h('button', {
        type: 'button', className: local.handRaised ? 'secondary hand-button raised' : 'primary hand-button',
        'aria-pressed': String(local.handRaised),
        onclick: (event: Event) => {
          const button = event.currentTarget as HTMLButtonElement;
          button.disabled = true;
          void this.act(local.handRaised ? 'lower your hand' : 'raise your hand',
            () => (local.handRaised ? room.lowerHand() : room.raiseHand()))
            .finally(() => { button.disabled = false; });
        },
      }, icon('hand'), local.handRaised ? 'Lower hand' : 'Raise hand'));
    }
    buttons.push(h('span', { className: 'controls-spacer' }));
    buttons.push(h('button', {
      type: 'button', className: 'danger',
      onclick: async () => {
        this.ended = true;
        await this.room.leave();
        this.nav.exit();
      },
    }, 'Leave quietly'));
    replaceChildren(this.controls, ...buttons);
  }

  private showQuality(quality: Quality): void {
    const reconnecting = this.room.connectionState === 'reconnecting';
    const label = reconnecting ? 'Reconnecting' : this.sfuDown ? 'No audio'
      : { good: 'Good', fair: 'Fair', poor: 'Weak', unknown: 'Checking…' }[quality];
    this.quality.className = `quality ${reconnecting || this.sfuDown ? 'poor' : quality}`;
    // only on a change: a status region re-announces what is written into it
    if (this.quality.textContent !== `Connection: ${label}`) this.quality.textContent = `Connection: ${label}`;
    const now = performance.now();
    if (quality === 'poor' && !reconnecting) {
      this.poorSince ||= now;
      if (now - this.poorSince >= POOR_QUALITY_REPORT_MS) {
        this.banners.show('quality', 'Your connection is weak: the audio may break up.', 'warning');
      }
    } else if (quality !== 'unknown') {
      this.poorSince = 0;
      this.banners.clear('quality');
    }
  }
}

function mayPublish(role: string): boolean {
  return role === 'host' || role === 'speaker';
}

function article(role: string): string {
  return role === 'host' ? 'the host' : role === 'speaker' ? 'a speaker' : 'a listener';
}
