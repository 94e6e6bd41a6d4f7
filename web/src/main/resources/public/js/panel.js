/*
 * One host's front panel. The face (display, lights, maintenance ring, hold arc, confirm prompt,
 * VM count, identify LED, SAFE TO SERVICE) draws exactly the state the host's web panel driver was
 * given (GET .../panel and the event "panel"): the server computes every colour and every line,
 * laid out for this panel's own geometry. The host object only adds what is not the panel's: the
 * link, the total of guests, the hypervisor tag, the progress bar, and the host's latest alert.
 */
import { postButton } from './api.js';
import { attr, h, s, show, text } from './dom.js';
import { clamp01, lower, progressFraction, progressSummary, timeOfDay } from './format.js';
import { Timers, onPageHidden, onPageVisible } from './lifecycle.js';
import { SevenSegment } from './segment.js';
import { showTokenPrompt } from './token-form.js';
import { hostHref } from './token.js';

const DEFAULT_CONFIRM_MS = 3000;
const MESSAGE_MS = 4000;
const DEFAULT_ROWS = 4;
const DEFAULT_COLUMNS = 20;

/** Indicator lights, in the order they appear around the button. */
const LIGHTS = {
  managementLink: { label: 'MGMT LINK', name: 'Management link', field: 'managementLink' },
  pfaProtect: { label: 'PFA', name: 'PFA protect', field: 'pfaProtect' },
  drs: { label: 'DRS', name: 'DRS', field: 'drs' },
  ha: { label: 'HA', name: 'HA', field: 'ha' },
};
const COLORS = new Set(['OFF', 'GREEN', 'AMBER', 'RED', 'BLUE']);

/** Every live panel, so page-level events (blur, hiding) can release held buttons. */
const allPanels = new Set();

export function releaseAll(keepalive) {
  for (const p of allPanels) p.release(keepalive);
}

onPageHidden(() => {
  for (const p of allPanels) p.suspend();
});
onPageVisible(() => {
  for (const p of allPanels) p.resume();
});

function whole(value, fallback) {
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function isActivationKey(e) {
  return e.key === ' ' || e.key === 'Enter' || e.code === 'Space' || e.key === 'Spacebar';
}

export class Panel {
  constructor(name, options = {}) {
    this.name = name;
    this.options = options;
    this.version = -Infinity;
    this.view = null; // the web panel: {host, display, rows, columns, state}
    this.host = null; // the host object
    this.confirmMs = DEFAULT_CONFIRM_MS;
    this.timers = new Timers();
    this.messageTimer = null;
    this.confirmTimer = null;
    // button state: never two presses without a release
    this.pressed = false;
    this.pressSource = null; // 'pointer' | 'key'
    this.pointerId = null;
    this.pressedAt = 0;
    this.holdAnim = null;
    this.holdOwner = null;
    this.queue = Promise.resolve();
    this.build();
    allPanels.add(this);
  }

  build() {
    const name = this.name;
    const nameNode = this.options.link
      ? h('a', { class: 'host-link', href: hostHref(name), title: 'Open the panel of ' + name, text: name })
      : h('span', { class: 'host-link', text: name });
    this.nameLink = this.options.link ? nameNode : null;

    this.leds = {};
    const mkLed = (indicator, label, extraClass) => {
      const led = h('span', {
        class: 'led dot' + (extraClass ? ' ' + extraClass : ''),
        'data-indicator': indicator,
        'data-color': 'OFF',
        'data-flashing': 'false',
        role: 'img',
        'aria-label': label + ' light: off',
      });
      this.leds[indicator] = led;
      return led;
    };
    const ledCell = (key) =>
      h('div', { class: 'led-cell' }, mkLed(key, LIGHTS[key].name), h('span', { class: 'led-label', 'aria-hidden': 'true', text: LIGHTS[key].label }));

    // count (7-segment) + name plate
    this.seg = new SevenSegment(2);
    this.countText = h('span', { class: 'vm-count-text' });
    this.count = h('div', { class: 'vm-count', role: 'img', 'aria-label': 'running VMs' }, this.seg.svg, this.countText);
    this.total = h('span', { class: 'vm-total' });
    this.hvTag = h('span', { class: 'hv-tag', hidden: true, text: 'NO HYPERVISOR' });

    const identify = h(
      'div',
      { class: 'led-cell identify-cell' },
      mkLed('identify', 'Identify', 'small'),
      h('span', { class: 'led-label', 'aria-hidden': 'true', text: 'ID' }),
    );

    this.safe = h('div', { class: 'safe-to-service', role: 'status', hidden: true }, h('span', { class: 'safe-icon', 'aria-hidden': 'true', text: '✔' }), ' SAFE TO SERVICE');

    // the alphanumeric display, as many rows and columns as the web panel driver has
    this.lcd = h('div', { class: 'lcd', role: 'status', 'aria-live': 'polite', 'aria-label': 'Display of ' + name });
    this.lcdRows = [];
    this.setGeometry(DEFAULT_ROWS, DEFAULT_COLUMNS);
    this.lcdBezel = h('div', { class: 'lcd-bezel' }, this.lcd);
    this.noPanel = h('div', { class: 'no-panel', hidden: true, text: 'no web panel on this host' });

    // maintenance button with its light ring and hold-progress arc
    this.holdArc = s('circle', { class: 'hold-arc', cx: 50, cy: 50, r: 40, pathLength: 100 });
    const holdSvg = s('svg', { class: 'hold', viewBox: '0 0 100 100', 'aria-hidden': 'true', focusable: 'false' },
      s('circle', { class: 'hold-track', cx: 50, cy: 50, r: 40 }),
      this.holdArc);
    this.button = h(
      'button',
      { type: 'button', class: 'maint-button', 'data-host': name, 'aria-label': `Maintenance button of ${name}: press and hold to confirm` },
      h('span', { class: 'maint-glyph', 'aria-hidden': 'true' }),
    );
    const ring = h('div', {
      class: 'led ring',
      'data-indicator': 'maintenance',
      'data-color': 'OFF',
      'data-flashing': 'false',
      role: 'img',
      'aria-label': 'Maintenance light: off',
    });
    this.leds.maintenance = ring;
    this.holdCaption = h('div', { class: 'hold-caption', 'aria-hidden': 'true', text: 'HOLD 3 s' });
    this.confirmPrompt = h('div', { class: 'confirm-prompt', role: 'status', hidden: true });
    const buttonBlock = h('div', { class: 'button-block' }, h('div', { class: 'ring-wrap' }, ring, holdSvg, this.button), this.holdCaption, this.confirmPrompt);
    this.controls = h(
      'div',
      { class: 'controls' },
      h('div', { class: 'led-col' }, ledCell('managementLink'), ledCell('pfaProtect')),
      buttonBlock,
      h('div', { class: 'led-col' }, ledCell('drs'), ledCell('ha')),
    );

    // migration progress, messages, the latest hardware alert
    this.progressFill = h('div', { class: 'progress-fill' });
    this.progressBar = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': 'Evacuation progress' }, this.progressFill);
    this.progressText = h('div', { class: 'progress-text' });
    this.progress = h('div', { class: 'progress-wrap', hidden: true }, this.progressBar, this.progressText);
    this.message = h('div', { class: 'panel-msg', role: 'alert', hidden: true });
    this.alertTime = h('time');
    this.alertText = h('span', { class: 'panel-alert-text' });
    this.alert = h('div', { class: 'panel-alert', role: 'alert', hidden: true }, this.alertTime, ' ', this.alertText);

    this.root = h(
      'section',
      { class: 'panel', 'data-host': name, 'data-state': 'UNKNOWN', 'aria-label': 'Front panel of ' + name },
      h('span', { class: 'ear ear-l', 'aria-hidden': 'true' }, h('span', { class: 'screw' }), h('span', { class: 'screw' })),
      h('span', { class: 'ear ear-r', 'aria-hidden': 'true' }, h('span', { class: 'screw' }), h('span', { class: 'screw' })),
      h(
        'div',
        { class: 'face' },
        h('div', { class: 'plate' }, h('div', { class: 'host-name' }, nameNode), identify),
        h(
          'div',
          { class: 'count-row' },
          h('div', { class: 'count-window' }, this.count),
          h('div', { class: 'count-legend' }, h('span', { class: 'count-label', text: 'RUNNING VMs' }), this.total, this.hvTag),
        ),
        this.safe,
        this.lcdBezel,
        this.noPanel,
        this.progress,
        this.controls,
        this.alert,
        this.message,
        h('div', { class: 'vents', 'aria-hidden': 'true' }),
      ),
    );

    this.bindButton();
  }

  setGeometry(rows, columns) {
    while (this.lcdRows.length < rows) {
      const row = h('div', { class: 'lcd-row' });
      this.lcdRows.push(row);
      this.lcd.append(row);
    }
    while (this.lcdRows.length > rows) this.lcdRows.pop().remove();
    this.lcd.style.setProperty('--cols', String(columns));
    attr(this.lcd, 'data-geometry', `${columns}x${rows}`);
  }

  refreshLink() {
    if (this.nameLink) attr(this.nameLink, 'href', hostHref(this.name));
  }

  /** Forget the last panel version seen (after a reconnect the server may count anew). */
  resetVersion() {
    this.version = -Infinity;
  }

  // ------------------------------------------------ the web panel's state

  /** Draws what the host's web panel driver was last given: {host, rows, columns, state}. */
  showPanel(view) {
    if (!view || view.host !== this.name) return;
    const state = view.state && typeof view.state === 'object' ? view.state : null;
    if (state && typeof state.version === 'number') {
      if (state.version < this.version) return; // stale (arrived out of order)
      this.version = state.version;
    }
    this.view = view;
    this.draw();
  }

  draw() {
    const view = this.view;
    if (!view) return;
    attr(this.root, 'data-panel', 'web');
    show(this.noPanel, false);
    show(this.lcdBezel, true);
    show(this.controls, true);
    const rows = whole(view.rows, DEFAULT_ROWS);
    this.setGeometry(rows, whole(view.columns, DEFAULT_COLUMNS));
    const st = view.state && typeof view.state === 'object' ? view.state : {};

    const state = typeof st.maintenanceState === 'string' ? st.maintenanceState : 'UNKNOWN';
    attr(this.root, 'data-state', state);
    this.showCount(Number.isInteger(st.runningVms) ? st.runningVms : null);

    // lights: exactly as the driver was given them
    const lights = st.lights && typeof st.lights === 'object' ? st.lights : {};
    this.setLight('maintenance', lights.maintenance, 'Maintenance', state);
    for (const [key, def] of Object.entries(LIGHTS)) {
      this.setLight(key, lights[key], def.name, this.host ? this.host[def.field] : null);
    }
    const identifyOn = st.identify === true;
    this.setLed(this.leds.identify, identifyOn ? 'BLUE' : 'OFF', false, 'Identify', identifyOn ? 'on' : 'off');

    // the display's rows, exactly as sent (white-space: pre keeps the spaces)
    const lines = Array.isArray(st.lines) ? st.lines : [];
    for (let i = 0; i < rows; i++) text(this.lcdRows[i], lines[i] == null ? '' : String(lines[i]));

    const safe = st.safeToService === true;
    show(this.safe, safe);
    attr(this.root, 'data-safe', safe ? 'true' : 'false');

    const hold = st.hold && typeof st.hold === 'object' ? st.hold : null;
    if (hold && typeof hold.confirmMillis === 'number' && hold.confirmMillis > 0) this.confirmMs = hold.confirmMillis;
    const secs = Math.round((this.confirmMs / 1000) * 10) / 10;
    text(this.holdCaption, hold && hold.action ? `HOLD · ${String(hold.action).toUpperCase()}` : `HOLD ${secs} s`);
    attr(this.button, 'aria-label', `Maintenance button of ${this.name}: press and hold ${secs} seconds to confirm`);
    this.syncHold(hold);
    this.syncConfirm(st.confirm && typeof st.confirm === 'object' ? st.confirm : null);
  }

  showCount(running) {
    this.seg.show(running == null ? '--' : String(running));
    text(this.countText, running == null ? '' : String(running));
    attr(this.count, 'aria-label', running == null ? 'running VMs unknown' : `${running} running VM${running === 1 ? '' : 's'}`);
  }

  // ------------------------------------------------ the host's status

  /** The host object (GET /hosts, event "host"): what is not the panel's own. */
  showHost(host) {
    if (!host || host.name !== this.name) return;
    this.host = host;
    attr(this.root, 'data-hypervisor', host.hypervisorConnected === false ? 'lost' : 'ok');
    text(this.total, Number.isInteger(host.totalVms) ? `of ${host.totalVms} on host` : '');
    show(this.hvTag, host.hypervisorConnected === false);

    const m = host.maintenance && typeof host.maintenance === 'object' ? host.maintenance : {};
    const p = m.progress && typeof m.progress === 'object' ? m.progress : null;
    show(this.progress, !!p);
    if (p) {
      const f = progressFraction(p);
      const pct = f == null ? 0 : Math.round(f * 100);
      this.progressFill.style.width = pct + '%';
      attr(this.progressBar, 'aria-valuenow', pct);
      attr(this.progressBar, 'aria-valuetext', progressSummary(p) || pct + '%');
      text(this.progressText, progressSummary(p));
    }

    const hasWebPanel = Array.isArray(host.panels) && host.panels.some((x) => x && x.name === 'web');
    if (this.view) {
      this.draw(); // the lights' descriptions name the host's statuses
    } else if (!hasWebPanel) {
      // a peer this agent only reads, or a host without a web panel: no face to draw
      attr(this.root, 'data-panel', 'none');
      attr(this.root, 'data-state', typeof m.state === 'string' ? m.state : 'UNKNOWN');
      this.showCount(Number.isInteger(host.runningVms) ? host.runningVms : null);
      show(this.noPanel, true);
      show(this.lcdBezel, false);
      show(this.controls, false);
    }
    if (this.options.onHost) this.options.onHost(host);
  }

  /** The host's latest hardware alert (the event "alert"). */
  showAlert(activity) {
    if (!activity || activity.host !== this.name) return;
    const fields = activity.fields && typeof activity.fields === 'object' ? activity.fields : {};
    const message = typeof activity.message === 'string' ? activity.message : 'hardware alert';
    text(this.alertTime, timeOfDay(activity.at));
    text(this.alertText, message);
    attr(this.alert, 'data-severity', typeof fields.severity === 'string' ? fields.severity : 'UNKNOWN');
    const cleared = typeof fields.asserted === 'boolean' ? !fields.asserted : /\(cleared\)$/.test(message);
    attr(this.alert, 'data-cleared', cleared ? 'true' : 'false');
    show(this.alert, true);
    attr(this.root, 'data-alert', typeof fields.severity === 'string' ? fields.severity : 'UNKNOWN');
  }

  setLight(key, light, name, meaning) {
    const color = light && COLORS.has(light.color) ? light.color : 'OFF';
    const flashing = !!(light && light.flashing === true);
    this.setLed(this.leds[key], color, flashing, name, meaning);
  }

  setLed(led, color, flashing, name, meaning) {
    attr(led, 'data-color', color);
    attr(led, 'data-flashing', flashing ? 'true' : 'false');
    const desc = `${name} light: ${color.toLowerCase()}${flashing ? ', flashing' : ''}` + (meaning ? ` (${lower(meaning)})` : '');
    attr(led, 'aria-label', desc);
    attr(led, 'title', desc);
  }

  // ------------------------------------------------ page hidden / visible

  /** The page was hidden: no timer or animation of this panel runs until resume. */
  suspend() {
    this.timers.clearAll();
    this.messageTimer = null;
    this.confirmTimer = null;
    show(this.message, false);
    show(this.confirmPrompt, false);
    this.stopFill();
  }

  /** The page is visible again: draw the present (hold arc and confirm prompt included). */
  resume() {
    this.draw();
  }

  // ------------------------------------------------ button

  bindButton() {
    const b = this.button;
    b.addEventListener('pointerdown', (e) => {
      if (e.pointerType === 'mouse' && e.button !== 0) return;
      if (this.pressed) return;
      e.preventDefault();
      try {
        b.focus({ preventScroll: true });
      } catch (_) {
        /* ignore */
      }
      try {
        b.setPointerCapture(e.pointerId);
      } catch (_) {
        /* pointer already gone */
      }
      this.press('pointer', e.pointerId);
    });
    const pointerEnd = (e) => {
      if (this.pressed && this.pressSource === 'pointer' && e.pointerId === this.pointerId) this.release();
    };
    for (const type of ['pointerup', 'pointercancel', 'pointerleave', 'lostpointercapture']) b.addEventListener(type, pointerEnd);

    b.addEventListener('keydown', (e) => {
      if (!isActivationKey(e)) return;
      e.preventDefault(); // no synthetic click
      if (e.repeat || this.pressed) return;
      this.press('key', null);
    });
    b.addEventListener('keyup', (e) => {
      if (!isActivationKey(e)) return;
      e.preventDefault();
      if (this.pressed && this.pressSource === 'key') this.release();
    });
    b.addEventListener('blur', () => {
      if (this.pressed && this.pressSource === 'key') this.release();
    });
    b.addEventListener('click', (e) => e.preventDefault());
    b.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  press(source, pointerId) {
    this.pressed = true;
    this.pressSource = source;
    this.pointerId = pointerId;
    this.pressedAt = performance.now();
    attr(this.root, 'data-holding', 'true');
    this.button.classList.add('is-down');
    this.animateFill(0, this.confirmMs, 'local');
    this.send(true, false);
  }

  release(keepalive) {
    if (!this.pressed) return;
    this.pressed = false;
    this.pressSource = null;
    const pid = this.pointerId;
    this.pointerId = null;
    if (pid != null) {
      try {
        if (this.button.hasPointerCapture(pid)) this.button.releasePointerCapture(pid);
      } catch (_) {
        /* ignore */
      }
    }
    this.root.removeAttribute('data-holding');
    this.button.classList.remove('is-down');
    this.stopFill();
    this.send(false, keepalive);
  }

  send(pressed, keepalive) {
    const name = this.name;
    // serialise: a release never overtakes its press
    this.queue = this.queue
      .then(() => postButton(name, pressed, keepalive))
      .then((res) => this.handleResponse(res))
      .catch((err) => this.flash(err && err.name === 'AbortError' ? 'server did not answer' : 'cannot reach the agent', 'error'));
  }

  handleResponse(res) {
    if (res.ok) return;
    if (res.status === 401) {
      this.flash('token needed', 'error');
      showTokenPrompt(true);
      return;
    }
    const msg = res.body && typeof res.body.error === 'string' ? res.body.error : `refused (HTTP ${res.status})`;
    this.flash(msg, 'error');
  }

  flash(msg, kind) {
    text(this.message, msg);
    attr(this.message, 'data-kind', kind || 'info');
    show(this.message, true);
    this.timers.clear(this.messageTimer);
    this.messageTimer = this.timers.timeout(() => show(this.message, false), MESSAGE_MS);
  }

  // ------------------------------------------------ hold arc and confirm prompt

  animateFill(elapsedMs, totalMs, owner) {
    if (this.holdAnim) this.holdAnim.cancel();
    const total = Math.max(1, totalMs);
    const from = 100 - clamp01(elapsedMs / total) * 100;
    const remaining = Math.max(0, total - elapsedMs);
    this.holdOwner = owner;
    this.holdTotal = total;
    attr(this.root, 'data-hold', owner);
    if (typeof this.holdArc.animate === 'function') {
      this.holdAnim = this.holdArc.animate(
        [{ strokeDashoffset: String(from) }, { strokeDashoffset: '0' }],
        { duration: remaining, easing: 'linear', fill: 'forwards' },
      );
    } else {
      this.holdArc.style.strokeDashoffset = '0';
    }
  }

  stopFill() {
    if (this.holdAnim) this.holdAnim.cancel();
    this.holdAnim = null;
    this.holdOwner = null;
    this.holdArc.style.strokeDashoffset = '';
    this.root.removeAttribute('data-hold');
  }

  /** Keeps the arc consistent with the hold the driver was given. */
  syncHold(hold) {
    if (this.pressed) {
      // local press: follow the server's confirm time if it differs from our guess
      if (hold && this.holdOwner === 'local' && this.holdTotal !== this.confirmMs) {
        this.animateFill(performance.now() - this.pressedAt, this.confirmMs, 'local');
      }
      return;
    }
    if (hold) {
      // someone else is holding (a physical button, another browser)
      if (this.holdOwner !== 'remote') {
        const started = Date.parse(hold.startedAt);
        const elapsed = isFinite(started) ? Math.min(Math.max(0, Date.now() - started), this.confirmMs) : 0;
        this.animateFill(elapsed, this.confirmMs, 'remote');
      }
    } else if (this.holdOwner === 'remote') {
      this.stopFill();
    }
  }

  /** A press-only panel's first press waits for its confirming press until confirm.until. */
  syncConfirm(confirm) {
    this.timers.clear(this.confirmTimer);
    this.confirmTimer = null;
    const until = confirm ? Date.parse(confirm.until) : NaN;
    const action = confirm && typeof confirm.action === 'string' ? confirm.action.toUpperCase() : '';
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (!(left > 0)) {
        show(this.confirmPrompt, false);
        attr(this.root, 'data-confirm', 'false');
        return;
      }
      text(this.confirmPrompt, `PRESS AGAIN TO ${action} · ${left} s`);
      show(this.confirmPrompt, true);
      attr(this.root, 'data-confirm', 'true');
      this.confirmTimer = this.timers.timeout(tick, 250);
    };
    tick();
  }

  destroy() {
    this.release();
    this.timers.clearAll();
    allPanels.delete(this);
    this.root.remove();
  }
}
