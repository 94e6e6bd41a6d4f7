/* host.html?host=NAME: one host's front panel, its details, its activity and its journal. */
import { ActivityList } from './activity.js';
import { fetchHosts, fetchPanel } from './api.js';
import { attr, show, text } from './dom.js';
import { dateTime, fmtBytes, lower, progressSummary } from './format.js';
import { JournalView } from './journal.js';
import { Live } from './live.js';
import { setStatus, startPage } from './page.js';
import { Panel } from './panel.js';
import { onTokenChange, withToken } from './token.js';

const ACTIVITY_MAX = 20;

function renderDetails(section, host) {
  if (!section) return;
  show(section, true);
  const m = host.maintenance || {};
  const cap = host.capacity || {};
  const set = (field, value) => {
    const dd = section.querySelector(`[data-field="${field}"]`);
    if (dd) text(dd, value == null || value === '' ? '—' : value);
  };
  set('state', lower(m.state));
  set('since', m.since ? dateTime(m.since) : null);
  set('reason', m.reason);
  set('plan', m.plan);
  set('progress', progressSummary(m.progress));
  set('vms', Number.isInteger(host.runningVms) ? `${host.runningVms} running` + (Number.isInteger(host.totalVms) ? ` of ${host.totalVms}` : '') : null);
  set('hypervisor', host.hypervisorConnected === false ? 'not connected' : host.hypervisorConnected === true ? 'connected' : null);
  set('memory', typeof cap.memoryBytes === 'number' ? `${fmtBytes(cap.usedMemoryBytes)} used of ${fmtBytes(cap.memoryBytes)}` : null);
  set('vcpus', typeof cap.vcpus === 'number' ? `${cap.usedVcpus ?? '?'} used of ${cap.vcpus}` : null);
  set('managementLink', lower(host.managementLink));
  set('pfaProtect', lower(host.pfaProtect));
  set('drs', lower(host.drs));
  set('ha', lower(host.ha));
  const panels = Array.isArray(host.panels) ? host.panels : [];
  set(
    'panels',
    panels
      .map((p) => `${p.name} ${p.display}${p.healthy === false ? ' FAILED' + (p.problem ? ': ' + p.problem : '') : ''}`)
      .join(', ') || null,
  );
}

function start() {
  startPage();
  const name = (new URLSearchParams(window.location.search).get('host') || '').trim();
  const container = document.getElementById('panels');
  const back = document.getElementById('back-link');
  const refreshBack = () => {
    if (back) attr(back, 'href', withToken('index.html'));
  };
  refreshBack();
  onTokenChange(refreshBack);

  if (!name) {
    setStatus('no host given: open host.html?host=NAME');
    return;
  }
  document.title = 'vpanel · ' + name;
  text(document.getElementById('host-title'), name);

  const details = document.getElementById('details');
  const activity = new ActivityList(document.getElementById('activity'), ACTIVITY_MAX, name);
  const journal = new JournalView(document.getElementById('journal-section'), name);
  const panel = new Panel(name, { link: false, onHost: (host) => renderDetails(details, host) });
  let present = false;
  const attach = () => {
    if (!present) container.append(panel.root);
    present = true;
    setStatus('');
  };

  const load = async () => {
    try {
      const hosts = await fetchHosts();
      const host = hosts.find((x) => x.name === name);
      if (!host) {
        setStatus('unknown host: ' + name);
        if (present) panel.root.remove();
        present = false;
        return;
      }
      attach();
      // the live stream sends the panel too; reading it here draws it without waiting
      const hasWebPanel = Array.isArray(host.panels) && host.panels.some((p) => p && p.name === 'web');
      const view = hasWebPanel ? await fetchPanel(name).catch(() => null) : null;
      if (view) panel.showPanel(view);
      panel.showHost(host);
    } catch (err) {
      setStatus('cannot load host: ' + (err && err.message ? err.message : 'network error'));
    }
  };

  let opened = false;
  const live = new Live({
    onOpen: () => {
      if (opened) panel.resetVersion();
      opened = true;
      load();
    },
    onHost: (host) => {
      if (host.name !== name) return;
      attach();
      panel.showHost(host);
    },
    onPanel: (view) => {
      if (view.host !== name) return;
      attach();
      panel.showPanel(view);
    },
    onActivity: (type, event) => {
      if (event.host !== name) return;
      activity.add(type, event);
      if (type === 'alert') panel.showAlert(event);
      journal.changed();
    },
  });
  load();
  journal.reload();
  live.start();
}

start();
