/*
 * The page's visibility. While the page is hidden nothing of it runs: every timer is cleared
 * (flashing, hold arc, reconnect, message expiry, intervals) and the live stream is closed; when
 * the page is visible again each part resumes from the present.
 *
 * A part registers a pair of hooks with onPageHidden/onPageVisible and keeps its timers in a
 * Timers, which it clears on hiding.
 */

const hiddenHooks = new Set();
const visibleHooks = new Set();
let started = false;

export function pageHidden() {
  return document.visibilityState === 'hidden';
}

/** Calls fn each time the page is hidden. */
export function onPageHidden(fn) {
  hiddenHooks.add(fn);
  start();
}

/** Calls fn each time the page becomes visible again. */
export function onPageVisible(fn) {
  visibleHooks.add(fn);
  start();
}

function start() {
  if (started) return;
  started = true;
  mark();
  document.addEventListener('visibilitychange', () => {
    mark();
    for (const fn of pageHidden() ? hiddenHooks : visibleHooks) {
      try {
        fn();
      } catch (err) {
        console.warn('vpanel: a page hook failed', err);
      }
    }
  });
}

/** Pauses the CSS animations (flashing lights) while hidden: see html[data-hidden] in panel.css. */
function mark() {
  if (pageHidden()) document.documentElement.setAttribute('data-hidden', 'true');
  else document.documentElement.removeAttribute('data-hidden');
}

/** setTimeout and setInterval with a way to clear them all at once. */
export class Timers {
  constructor() {
    this.ids = new Map(); // id -> clear function
  }

  timeout(fn, ms) {
    const id = setTimeout(() => {
      this.ids.delete(id);
      fn();
    }, ms);
    this.ids.set(id, clearTimeout);
    return id;
  }

  interval(fn, ms) {
    const id = setInterval(fn, ms);
    this.ids.set(id, clearInterval);
    return id;
  }

  clear(id) {
    const clear = this.ids.get(id);
    if (clear) {
      clear(id);
      this.ids.delete(id);
    }
  }

  clearAll() {
    for (const [id, clear] of this.ids) clear(id);
    this.ids.clear();
  }

  /** How many timers are pending (for tests and the console). */
  get size() {
    return this.ids.size;
  }
}
