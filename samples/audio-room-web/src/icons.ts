/**
 * The few icons the app uses, as inline SVG: no icon font or emoji font to depend on (many
 * Linux machines have none), and they take the text's colour.
 */

const PATHS = {
  hand: 'M18 11V6a1.5 1.5 0 0 0-3 0v4h-.5V4a1.5 1.5 0 0 0-3 0v6H11V5a1.5 1.5 0 0 0-3 0v7.5l-1.8-2.2a1.5 1.5 0 0 0-2.3 1.9l3.6 4.9A7 7 0 0 0 13.2 21h.3a5.5 5.5 0 0 0 5.5-5.5V11a1.5 1.5 0 0 0-1-1.4z',
  micOff: 'M4.3 3 3 4.3l5 5V11a4 4 0 0 0 5.9 3.5l1.5 1.5A6 6 0 0 1 6 11H4a8 8 0 0 0 7 7.9V21h2v-2.1a8 8 0 0 0 3.8-1.5l2.9 2.9L21 19zM16 11V5a4 4 0 0 0-7.9-.9L16 12z',
  mic: 'M12 15a4 4 0 0 0 4-4V5a4 4 0 0 0-8 0v6a4 4 0 0 0 4 4zm7-4h-2a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 6-6.9z',
  wave: 'M3 10h2v4H3zm4-3h2v10H7zm4-4h2v18h-2zm4 4h2v10h-2zm4 3h2v4h-2z',
} as const;

export type IconName = keyof typeof PATHS;

/** An icon; decorative (hidden from screen readers) unless given a label. */
export function icon(name: IconName, label?: string): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', `icon icon-${name}`);
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else {
    svg.setAttribute('aria-hidden', 'true');
  }
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', PATHS[name]);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}
