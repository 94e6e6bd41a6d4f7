/* The running-VM count as a seven-segment display (SVG). */
import { attr, s } from './dom.js';

const SEG_W = 40;
const SEG_H = 72;
const SEG_T = 7.5;
const SEG_GAP = 1.3;
const SEG_PITCH = 52;
const SEG_SKEW = 10;

function hSeg(y, x1, x2) {
  const t = SEG_T / 2;
  return `${x1},${y} ${x1 + t},${y - t} ${x2 - t},${y - t} ${x2},${y} ${x2 - t},${y + t} ${x1 + t},${y + t}`;
}

function vSeg(x, y1, y2) {
  const t = SEG_T / 2;
  return `${x},${y1} ${x + t},${y1 + t} ${x + t},${y2 - t} ${x},${y2} ${x - t},${y2 - t} ${x - t},${y1 + t}`;
}

const SEGMENTS = (() => {
  const L = SEG_T / 2;
  const R = SEG_W - SEG_T / 2;
  const T = SEG_T / 2;
  const M = SEG_H / 2;
  const B = SEG_H - SEG_T / 2;
  const g = SEG_GAP;
  return {
    a: hSeg(T, L + g, R - g),
    b: vSeg(R, T + g, M - g),
    c: vSeg(R, M + g, B - g),
    d: hSeg(B, L + g, R - g),
    e: vSeg(L, M + g, B - g),
    f: vSeg(L, T + g, M - g),
    g: hSeg(M, L + g, R - g),
  };
})();

const GLYPHS = {
  0: 'abcdef', 1: 'bc', 2: 'abdeg', 3: 'abcdg', 4: 'bcfg',
  5: 'acdfg', 6: 'acdefg', 7: 'abc', 8: 'abcdefg', 9: 'abcdfg', '-': 'g', ' ': '',
};

export class SevenSegment {
  constructor(minDigits) {
    this.minDigits = minDigits;
    this.digits = [];
    this.svg = s('svg', { class: 'seg', 'aria-hidden': 'true', focusable: 'false', preserveAspectRatio: 'xMaxYMid meet' });
    this.setDigitCount(minDigits);
  }

  setDigitCount(n) {
    if (this.digits.length === n) return;
    this.svg.replaceChildren();
    this.digits = [];
    const width = n * SEG_PITCH - (SEG_PITCH - SEG_W) + SEG_SKEW + 2;
    this.svg.setAttribute('viewBox', `0 0 ${width} ${SEG_H}`);
    for (let i = 0; i < n; i++) {
      const g = s('g', { transform: `translate(${i * SEG_PITCH + SEG_SKEW + 1} 0) skewX(-8)` });
      const segs = {};
      for (const [name, points] of Object.entries(SEGMENTS)) {
        const poly = s('polygon', { points, class: 'seg-off' });
        segs[name] = poly;
        g.append(poly);
      }
      this.svg.append(g);
      this.digits.push(segs);
    }
  }

  show(str) {
    const n = Math.max(this.minDigits, str.length);
    this.setDigitCount(n);
    const padded = str.padStart(n, ' ');
    this.digits.forEach((segs, i) => {
      const lit = GLYPHS[padded[i]] ?? '';
      for (const [name, poly] of Object.entries(segs)) {
        attr(poly, 'class', lit.includes(name) ? 'seg-on' : 'seg-off');
      }
    });
  }
}
