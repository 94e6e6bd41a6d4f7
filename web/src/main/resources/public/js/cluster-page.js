/* index.html: every host's front panel, the cluster's totals and the recent activity. */
import { ActivityList } from './activity.js';
import { fetchHosts } from './api.js';
import { text } from './dom.js';
import { Live } from './live.js';
import { setStatus, startPage } from './page.js';
import { Panel } from './panel.js';
import { onTokenChange } from './token.js';

const ACTIVITY_MAX = 8;

function start() {
  startPage();
  const container = document.getElementById('panels');
  const panels = new Map();
  const totals = {
    hosts: document.getElementById('total-hosts'),
    vms: document.getElementById('total-vms'),
    maint: document.getElementById('total-maint'),
    moving: document.getElementById('total-moving'),
  };
  const activity = new ActivityList(document.getElementById('activity'), ACTIVITY_MAX);

  const recount = () => {
    let vms = 0;
    let maint = 0;
    let moving = 0;
    for (const p of panels.values()) {
      if (p.host && Number.isInteger(p.host.runningVms)) vms += p.host.runningVms;
      const st = p.host && p.host.maintenance && p.host.maintenance.state;
      // "In maintenance" only once a host got there, never while guests are still leaving.
      if (st === 'IN_MAINTENANCE') maint++;
      if (st === 'ENTERING' || st === 'EXITING') moving++;
    }
    text(totals.hosts, panels.size);
    text(totals.vms, vms);
    text(totals.maint, maint);
    text(totals.moving, moving);
  };

  const panelOf = (name) => {
    let p = panels.get(name);
    if (!p) {
      p = new Panel(name, { link: true });
      panels.set(name, p);
      // keep panels sorted by name; existing nodes never move
      const names = [...panels.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
      const next = names[names.indexOf(name) + 1];
      container.insertBefore(p.root, next ? panels.get(next).root : null);
    }
    return p;
  };

  const load = async () => {
    try {
      const hosts = await fetchHosts();
      const seen = new Set();
      for (const host of hosts) {
        seen.add(host.name);
        panelOf(host.name).showHost(host);
      }
      for (const [name, p] of panels) {
        if (!seen.has(name)) {
          p.destroy();
          panels.delete(name);
        }
      }
      setStatus(hosts.length ? '' : 'no hosts reported yet');
      recount();
    } catch (err) {
      setStatus('cannot load hosts: ' + (err && err.message ? err.message : 'network error'));
    }
  };

  let opened = false;
  const live = new Live({
    onOpen: () => {
      // (re)connected: the server sends every host and panel again; accept whatever version it
      // has now (it may have restarted and counted from 1 again), then re-fetch the list
      if (opened) for (const p of panels.values()) p.resetVersion();
      opened = true;
      load();
    },
    onHost: (host) => {
      panelOf(host.name).showHost(host);
      setStatus('');
      recount();
    },
    onPanel: (view) => panelOf(view.host).showPanel(view),
    onActivity: (type, event) => {
      activity.add(type, event);
      if (type === 'alert' && typeof event.host === 'string') panelOf(event.host).showAlert(event);
    },
  });

  onTokenChange(() => {
    for (const p of panels.values()) p.refreshLink();
  });

  load();
  live.start();
}

start();
