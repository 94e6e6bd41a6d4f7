/*
 * The live stream (server-sent events on api/v1/events): host statuses, web panel states, alerts
 * and the rest of the activity. Reconnects with backoff when the browser gives up. While the page
 * is hidden the stream is closed and its timers cleared; it reconnects when the page is visible
 * again, and the server then sends every host and panel anew.
 */
import { API, fetchStreamTicket } from './api.js';
import { attr, text } from './dom.js';
import { Timers, onPageHidden, onPageVisible, pageHidden } from './lifecycle.js';

const ACTIVITY_EVENTS = ['maintenance', 'migration', 'notice', 'alert', 'activity'];
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 15000;

function parse(data) {
  try {
    const value = JSON.parse(data);
    return value && typeof value === 'object' ? value : null;
  } catch (_) {
    return null;
  }
}

export class Live {
  /**
   * handlers: onOpen(), onHost(host), onPanel(view), onActivity(type, activity); each optional.
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.es = null;
    this.connected = null;
    this.retryMs = FIRST_RETRY_MS;
    this.timers = new Timers();
    this.retryTimer = null;
    this.badge = document.getElementById('connection');
  }

  start() {
    this.setConnected(false);
    onPageHidden(() => this.stop());
    onPageVisible(() => this.resume());
    if (!pageHidden()) this.resume();
  }

  resume() {
    this.connect();
    // EventSource has no "state changed" event for every transition; keep the badge honest
    this.timers.interval(() => this.setConnected(!!this.es && this.es.readyState === EventSource.OPEN), 1000);
  }

  /** Closes the stream and clears every timer (the page is hidden). */
  stop() {
    this.attempt = (this.attempt || 0) + 1;
    this.timers.clearAll();
    this.retryTimer = null;
    if (this.es) this.es.close();
    this.es = null;
    this.setConnected(false, 'paused');
  }

  connect() {
    this.timers.clear(this.retryTimer);
    this.retryTimer = null;
    if (typeof EventSource !== 'function') {
      this.setConnected(false, 'no live updates');
      return;
    }
    if (this.es) this.es.close();
    this.es = null;
    const attempt = (this.attempt = (this.attempt || 0) + 1);
    // Where reads need a token the stream needs a ticket; elsewhere one does no harm.
    fetchStreamTicket().then((ticket) => {
      if (attempt !== this.attempt) return; // stopped or reconnected meanwhile
      this.open(ticket ? `${API}/events?ticket=${encodeURIComponent(ticket)}` : `${API}/events`);
    });
  }

  open(url) {
    const es = new EventSource(url);
    this.es = es;
    es.onopen = () => {
      this.retryMs = FIRST_RETRY_MS;
      this.setConnected(true);
      if (this.handlers.onOpen) this.handlers.onOpen();
    };
    es.onerror = () => {
      if (this.es !== es) return;
      this.setConnected(es.readyState === EventSource.OPEN);
      if (es.readyState === EventSource.CLOSED) {
        // the browser gave up (e.g. a non-200 answer): retry ourselves with backoff
        es.close();
        this.retryTimer = this.timers.timeout(() => this.connect(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      }
    };
    es.addEventListener('host', (e) => {
      const host = parse(e.data);
      if (host && typeof host.name === 'string' && this.handlers.onHost) this.handlers.onHost(host);
    });
    es.addEventListener('panel', (e) => {
      const view = parse(e.data);
      if (view && typeof view.host === 'string' && this.handlers.onPanel) this.handlers.onPanel(view);
    });
    for (const type of ACTIVITY_EVENTS) {
      es.addEventListener(type, (e) => {
        const activity = parse(e.data);
        if (activity && this.handlers.onActivity) this.handlers.onActivity(type, activity);
      });
    }
  }

  setConnected(connected, label) {
    if (this.connected === connected && !label) return;
    this.connected = connected;
    if (this.badge) {
      attr(this.badge, 'data-connected', connected ? 'true' : 'false');
      text(this.badge, label || (connected ? 'live' : 'disconnected'));
    }
    document.body.classList.toggle('is-stale', !connected);
  }
}
