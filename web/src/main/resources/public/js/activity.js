/* A list of recent activity from the live stream, newest first: alerts stand out. */
import { h } from './dom.js';
import { timeOfDay } from './format.js';

const SUMMARY_MAX = 160;

export class ActivityList {
  /** list: the <ol>; max: how many items it keeps; host: only this host's activity, if given. */
  constructor(list, max, host) {
    this.list = list;
    this.max = max;
    this.host = host || null;
  }

  add(type, activity) {
    if (!this.list || !activity) return;
    if (this.host && activity.host !== this.host) return;
    let summary = typeof activity.message === 'string' ? activity.message : '';
    if (typeof activity.host === 'string' && this.host == null) summary = activity.host + ' · ' + summary;
    if (summary.length > SUMMARY_MAX) summary = summary.slice(0, SUMMARY_MAX - 3) + '…';
    const fields = activity.fields && typeof activity.fields === 'object' ? activity.fields : {};
    const item = h(
      'li',
      {
        class: 'activity-item',
        'data-type': type,
        'data-host': typeof activity.host === 'string' ? activity.host : null,
        'data-severity': type === 'alert' && typeof fields.severity === 'string' ? fields.severity : null,
      },
      h('time', { datetime: typeof activity.at === 'string' ? activity.at : null, text: timeOfDay(activity.at || new Date()) }),
      ' ',
      h('span', { class: 'activity-type', text: type }),
      ' ',
      h('span', { class: 'activity-text', text: summary }),
    );
    this.list.prepend(item);
    while (this.list.children.length > this.max) this.list.lastElementChild.remove();
  }
}
