/*
 * The host's journal (GET api/v1/hosts/{host}/journal): newest first, a page at a time; "older"
 * pages back with the server's nextBefore. New entries are fetched again shortly after the live
 * stream reports activity for the host; that timer is cleared while the page is hidden.
 */
import { fetchJournal } from './api.js';
import { h, show, text } from './dom.js';
import { dateTime } from './format.js';
import { Timers, onPageHidden, onPageVisible } from './lifecycle.js';

const PAGE = 25;
const REFRESH_AFTER_MS = 1000;

export class JournalView {
  constructor(section, host) {
    this.section = section;
    this.host = host;
    this.list = section.querySelector('.journal');
    this.status = section.querySelector('.journal-status');
    this.older = section.querySelector('.journal-older');
    this.nextBefore = null;
    this.timers = new Timers();
    this.refreshTimer = null;
    if (this.older) this.older.addEventListener('click', () => this.loadOlder());
    onPageHidden(() => {
      this.timers.clearAll();
      this.refreshTimer = null;
    });
    onPageVisible(() => this.reload());
  }

  /** Something happened on the host: fetch the newest page again soon (once for a burst). */
  changed() {
    if (this.refreshTimer != null) return;
    this.refreshTimer = this.timers.timeout(() => {
      this.refreshTimer = null;
      this.reload();
    }, REFRESH_AFTER_MS);
  }

  async reload() {
    await this.load(null, true);
  }

  async loadOlder() {
    if (this.nextBefore != null) await this.load(this.nextBefore, false);
  }

  async load(before, replace) {
    show(this.section, true);
    let page;
    try {
      page = await fetchJournal(this.host, PAGE, before);
    } catch (err) {
      this.setStatus('cannot read the journal: ' + (err && err.message ? err.message : 'network error'));
      return;
    }
    if (page == null) {
      this.setStatus('this agent keeps no journal');
      if (replace) this.list.replaceChildren();
      show(this.older, false);
      return;
    }
    const entries = Array.isArray(page.entries) ? page.entries : [];
    const rows = entries.map((entry) => this.row(entry));
    if (replace) this.list.replaceChildren(...rows);
    else this.list.append(...rows);
    this.nextBefore = typeof page.nextBefore === 'number' ? page.nextBefore : null;
    show(this.older, this.nextBefore != null);
    this.setStatus(this.list.children.length ? '' : 'nothing recorded yet');
  }

  row(entry) {
    return h(
      'li',
      { class: 'journal-entry', 'data-kind': typeof entry.kind === 'string' ? entry.kind : null, 'data-id': Number.isInteger(entry.id) ? entry.id : null },
      h('time', { datetime: typeof entry.at === 'string' ? entry.at : null, text: dateTime(entry.at) }),
      ' ',
      h('span', { class: 'journal-kind', text: typeof entry.kind === 'string' ? entry.kind : '' }),
      ' ',
      h('span', { class: 'journal-message', text: typeof entry.message === 'string' ? entry.message : '' }),
    );
  }

  setStatus(message) {
    text(this.status, message);
    show(this.status, !!message);
  }
}
