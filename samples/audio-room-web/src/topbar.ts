/** The bar on top of every signed-in page. */
import type { Me } from './api';
import { h, hue, initials } from './dom';

export function topbar(me: Me, ...middle: (Node | null)[]): HTMLElement {
  return h('header', { className: 'topbar' },
    h('a', { className: 'brand', href: '#/' }, h('span', { className: 'brand-mark', 'aria-hidden': 'true' }), 'Bifrost Rooms'),
    h('div', { className: 'topbar-middle' }, ...middle),
    h('nav', { 'aria-label': 'Account' },
      // The webhooks Bifrost sent the backend: what a room's life looks like from the server side.
      h('a', { href: '/webhooks', target: '_blank', rel: 'noopener' }, 'Events'),
      h('span', { className: 'me', title: me.identity },
        h('span', { className: 'avatar small', style: `--hue:${hue(me.identity)}`, 'aria-hidden': 'true' }, initials(me.name)),
        me.name)));
}
