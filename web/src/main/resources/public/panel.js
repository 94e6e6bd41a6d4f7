/*
 * vpanel web virtual front panel: rendering, REST API, server-sent events.
 * Plain ES2020, no dependencies, no build step.
 *
 * The server computes every colour and every LCD line (HOST.panel); this file only
 * renders them. All data-derived text goes through textContent / setAttribute.
 */
(() => {
  'use strict';

  const API = 'api/v1';
  const TOKEN_KEY = 'vpanel.token';
  const DEFAULT_CONFIRM_MS = 3000;
  const MESSAGE_MS = 4000;
  const REQUEST_TIMEOUT_MS = 10000;
  const ACTIVITY_MAX = 8;

  /** Indicator lights, in the order they appear around the button. */
  const LIGHTS = {
    managementLink: { label: 'MGMT LINK', name: 'Management link', field: 'managementLink' },
    pfaProtect: { label: 'PFA', name: 'PFA protect', field: 'pfaProtect' },
    drs: { label: 'DRS', name: 'DRS', field: 'drs' },
    ha: { label: 'HA', name: 'HA', field: 'ha' },
  };
  const COLORS = new Set(['OFF', 'GREEN', 'AMBER', 'RED', 'BLUE']);

  // ---------------------------------------------------------------- token

  function readTokenFromFragment() {
    const hash = window.location.hash.replace(/^#/, '');
    if (!hash) return;
    const params = new URLSearchParams(hash);
    if (!params.has('token')) return;
    const token = params.get('token').trim();
    if (token) setToken(token);
    params.delete('token');
    const rest = params.toString();
    const url = window.location.pathname + window.location.search + (rest ? '#' + rest : '');
    try {
      window.history.replaceState(window.history.state, '', url);
    } catch (_) {
      /* ignore: some embedded browsers refuse replaceState */
    }
  }

  function getToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (_) {
      return memoryToken;
    }
  }
  let memoryToken = '';

  function setToken(token) {
    memoryToken = token;
    try {
      if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (_) {
      /* sessionStorage unavailable: memoryToken keeps it for this page */
    }
    document.dispatchEvent(new CustomEvent('vpanel:token'));
  }

  /** Adds the token fragment so the link also works in a new tab. */
  function withToken(href) {
    const token = getToken();
    return token ? href + '#token=' + encodeURIComponent(token) : href;
  }

  function hostHref(name) {
    return withToken('host.html?host=' + encodeURIComponent(name));
  }

  // ---------------------------------------------------------------- DOM helpers

  const SVG_NS = 'http://www.w3.org/2000/svg';

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    for (const child of children) {
      if (child == null) continue;
      node.append(child);
    }
    return node;
  }

  function s(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) return;
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }

  /** Set an attribute only when it changes (keeps mutation observers and a11y calm). */
  function attr(node, name, value) {
    const v = String(value);
    if (node.getAttribute(name) !== v) node.setAttribute(name, v);
  }

  function text(node, value) {
    const v = value == null ? '' : String(value);
    if (node.textContent !== v) node.textContent = v;
  }

  function show(node, visible) {
    if (node.hidden === visible) node.hidden = !visible;
  }

  // ---------------------------------------------------------------- formatting

  function fmtBytes(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '?';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    let v = Math.max(0, n);
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return (v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[i];
  }

  function fmtSeconds(sec) {
    if (typeof sec !== 'number' || !isFinite(sec) || sec < 0) return '?';
    if (sec < 60) return Math.ceil(sec) + ' s';
    const m = Math.floor(sec / 60);
    const r = Math.round(sec % 60);
    if (m < 60) return m + ' min ' + String(r).padStart(2, '0') + ' s';
    return Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
  }

  function progressSummary(p) {
    if (!p) return '';
    const parts = [];
    if (typeof p.vmsLeft === 'number') {
      parts.push(p.vmsLeft + (typeof p.vmsTotal === 'number' ? '/' + p.vmsTotal : '') + ' VMs left');
    }
    if (typeof p.bytesLeft === 'number') parts.push(fmtBytes(p.bytesLeft) + ' left');
    if (typeof p.etaSeconds === 'number') parts.push('ETA ' + fmtSeconds(p.etaSeconds));
    if (p.holdingUp) parts.push('waiting on ' + p.holdingUp);
    return parts.join(' · ');
  }

  function progressFraction(p) {
    if (!p) return null;
    if (typeof p.bytesTotal === 'number' && p.bytesTotal > 0 && typeof p.bytesLeft === 'number') {
      return clamp01(1 - p.bytesLeft / p.bytesTotal);
    }
    if (typeof p.vmsTotal === 'number' && p.vmsTotal > 0 && typeof p.vmsLeft === 'number') {
      return clamp01(1 - p.vmsLeft / p.vmsTotal);
    }
    return null;
  }

  function clamp01(x) {
    return Math.min(1, Math.max(0, x));
  }

  function lower(v) {
    return v == null ? '' : String(v).toLowerCase().replace(/_/g, ' ');
  }

  // ---------------------------------------------------------------- seven segment

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

  class SevenSegment {
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

  // ---------------------------------------------------------------- API

  async function fetchJson(url, options = {}) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS);
    try {
      const res = await fetch(url, { ...options, signal: ctrl.signal, cache: 'no-store' });
      let body = null;
      const type = res.headers.get('Content-Type') || '';
      if (type.includes('json')) {
        try {
          body = await res.json();
        } catch (_) {
          body = null;
        }
      }
      return { status: res.status, ok: res.ok, body };
    } finally {
      clearTimeout(timer);
    }
  }

  async function fetchHosts() {
    const res = await fetchJson(`${API}/hosts`, { headers: authHeaders() });
    if (!res.ok) throw new Error((res.body && res.body.error) || 'HTTP ' + res.status);
    const hosts = res.body && Array.isArray(res.body.hosts) ? res.body.hosts : [];
    return hosts.filter((x) => x && typeof x.name === 'string');
  }

  function authHeaders(extra) {
    const headers = { Accept: 'application/json', ...(extra || {}) };
    const token = getToken();
    if (token) headers.Authorization = 'Bearer ' + token;
    return headers;
  }

  function postButton(hostName, pressed, keepalive) {
    return fetchJson(`${API}/hosts/${encodeURIComponent(hostName)}/panel/button`, {
      method: 'POST',
      headers: authHeaders({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ pressed }),
      keepalive: !!keepalive,
    });
  }

  // ---------------------------------------------------------------- panel

  /** Every live panel, so page-level events (blur, pagehide) can release held buttons. */
  const allPanels = new Set();

  class Panel {
    constructor(name, options = {}) {
      this.name = name;
      this.options = options;
      this.version = -Infinity;
      this.host = null;
      this.confirmMs = DEFAULT_CONFIRM_MS;
      // button state: never two presses without a release
      this.pressed = false;
      this.pressSource = null; // 'pointer' | 'key'
      this.pointerId = null;
      this.pressedAt = 0;
      this.holdAnim = null;
      this.queue = Promise.resolve();
      this.messageTimer = null;
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

      // LCD
      this.lcd = h('div', { class: 'lcd', role: 'status', 'aria-live': 'polite', 'aria-label': 'Display of ' + name });
      this.lcdRows = [];
      this.setLcdRows(4);

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
      const buttonBlock = h('div', { class: 'button-block' }, h('div', { class: 'ring-wrap' }, ring, holdSvg, this.button), this.holdCaption);

      // migration progress + messages
      this.progressFill = h('div', { class: 'progress-fill' });
      this.progressBar = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': 'Evacuation progress' }, this.progressFill);
      this.progressText = h('div', { class: 'progress-text' });
      this.progress = h('div', { class: 'progress-wrap', hidden: true }, this.progressBar, this.progressText);
      this.message = h('div', { class: 'panel-msg', role: 'alert', hidden: true });

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
          h('div', { class: 'lcd-bezel' }, this.lcd),
          this.progress,
          h(
            'div',
            { class: 'controls' },
            h('div', { class: 'led-col' }, ledCell('managementLink'), ledCell('pfaProtect')),
            buttonBlock,
            h('div', { class: 'led-col' }, ledCell('drs'), ledCell('ha')),
          ),
          this.message,
          h('div', { class: 'vents', 'aria-hidden': 'true' }),
        ),
      );

      this.bindButton();
    }

    setLcdRows(n) {
      while (this.lcdRows.length < n) {
        const row = h('div', { class: 'lcd-row' });
        this.lcdRows.push(row);
        this.lcd.append(row);
      }
      while (this.lcdRows.length > n) this.lcdRows.pop().remove();
    }

    refreshLink() {
      if (this.nameLink) attr(this.nameLink, 'href', hostHref(this.name));
    }

    /** Forget the last panel.version seen (after a reconnect the server may count anew). */
    resetVersion() {
      this.version = -Infinity;
    }

    /** Render a HOST object. Everything updates in place. */
    update(host) {
      if (!host || host.name !== this.name) return;
      const panel = host.panel && typeof host.panel === 'object' ? host.panel : {};
      const version = typeof panel.version === 'number' ? panel.version : null;
      if (version != null && version < this.version) return; // stale (arrived out of order)
      if (version != null) this.version = version;
      this.host = host;

      const m = host.maintenance && typeof host.maintenance === 'object' ? host.maintenance : {};
      const state = typeof m.state === 'string' ? m.state : 'UNKNOWN';
      attr(this.root, 'data-state', state);
      attr(this.root, 'data-hypervisor', host.hypervisorConnected === false ? 'lost' : 'ok');

      // count
      const running = Number.isInteger(host.runningVms) ? host.runningVms : null;
      this.seg.show(running == null ? '--' : String(running));
      text(this.countText, running == null ? '' : String(running));
      attr(this.count, 'aria-label', running == null ? 'running VMs unknown' : `${running} running VM${running === 1 ? '' : 's'}`);
      text(this.total, Number.isInteger(host.totalVms) ? `of ${host.totalVms} on host` : '');
      show(this.hvTag, host.hypervisorConnected === false);

      // lights: exactly as computed by the server
      const lights = panel.lights && typeof panel.lights === 'object' ? panel.lights : {};
      this.setLight('maintenance', lights.maintenance, 'Maintenance', state);
      for (const [key, def] of Object.entries(LIGHTS)) this.setLight(key, lights[key], def.name, host[def.field]);
      const identifyOn = panel.identify === true;
      this.setLed(this.leds.identify, identifyOn ? 'BLUE' : 'OFF', false, 'Identify', identifyOn ? 'on' : 'off');

      // LCD rows, exactly as sent (white-space: pre keeps the spaces)
      const lines = Array.isArray(panel.lines) ? panel.lines : [];
      const rows = Math.max(4, lines.length);
      this.setLcdRows(rows);
      let cols = 20;
      for (let i = 0; i < rows; i++) {
        const line = lines[i] == null ? '' : String(lines[i]);
        cols = Math.max(cols, line.length);
        text(this.lcdRows[i], line);
      }
      this.lcd.style.setProperty('--cols', String(cols));

      // safe to service
      const safe = m.safeToService === true;
      show(this.safe, safe);
      attr(this.root, 'data-safe', safe ? 'true' : 'false');

      // progress
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

      // hold (server side)
      const hold = panel.hold && typeof panel.hold === 'object' ? panel.hold : null;
      if (hold && typeof hold.confirmMillis === 'number' && hold.confirmMillis > 0) this.confirmMs = hold.confirmMillis;
      const secs = Math.round((this.confirmMs / 1000) * 10) / 10;
      text(this.holdCaption, hold && hold.action ? `HOLD · ${String(hold.action).toUpperCase()}` : `HOLD ${secs} s`);
      attr(this.button, 'aria-label', `Maintenance button of ${this.name}: press and hold ${secs} seconds to confirm`);
      this.syncHold(hold);

      if (this.options.onUpdate) this.options.onUpdate(host);
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
      this.startLocalFill(0);
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
      clearTimeout(this.messageTimer);
      this.messageTimer = setTimeout(() => show(this.message, false), MESSAGE_MS);
    }

    // ------------------------------------------------ hold fill (local feedback)

    startLocalFill(elapsedMs) {
      this.animateFill(elapsedMs, this.confirmMs, 'local');
    }

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

    /** Keep the fill consistent with the server's view of the hold. */
    syncHold(hold) {
      if (this.pressed) {
        // local press: follow the server's confirm time if it differs from our guess
        if (hold && this.holdOwner === 'local' && this.holdTotal !== this.confirmMs) {
          this.animateFill(performance.now() - this.pressedAt, this.confirmMs, 'local');
        }
        return;
      }
      if (hold) {
        // someone else is holding (the physical button, another browser)
        if (this.holdOwner !== 'remote') {
          const started = Date.parse(hold.startedAt);
          const elapsed = isFinite(started) ? Math.min(Math.max(0, Date.now() - started), this.confirmMs) : 0;
          this.animateFill(elapsed, this.confirmMs, 'remote');
        }
      } else if (this.holdOwner === 'remote') {
        this.stopFill();
      }
    }

    destroy() {
      this.release();
      allPanels.delete(this);
      this.root.remove();
    }
  }

  function isActivationKey(e) {
    return e.key === ' ' || e.key === 'Enter' || e.code === 'Space' || e.key === 'Spacebar';
  }

  function releaseAll(keepalive) {
    for (const p of allPanels) p.release(keepalive);
  }

  // ---------------------------------------------------------------- connection (SSE)

  class Live {
    constructor(handlers) {
      this.handlers = handlers;
      this.es = null;
      this.connected = null;
      this.retryMs = 1000;
      this.retryTimer = null;
      this.badge = document.getElementById('connection');
    }

    start() {
      this.setConnected(false);
      this.connect();
      // EventSource has no "state changed" event for every transition; keep the badge honest
      setInterval(() => this.setConnected(!!this.es && this.es.readyState === EventSource.OPEN), 1000);
    }

    connect() {
      clearTimeout(this.retryTimer);
      if (typeof EventSource !== 'function') {
        this.setConnected(false, 'no live updates');
        return;
      }
      const es = new EventSource(`${API}/events`);
      this.es = es;
      es.onopen = () => {
        this.retryMs = 1000;
        this.setConnected(true);
        if (this.handlers.onOpen) this.handlers.onOpen();
      };
      es.onerror = () => {
        if (this.es !== es) return;
        this.setConnected(es.readyState === EventSource.OPEN);
        if (es.readyState === EventSource.CLOSED) {
          // the browser gave up (e.g. a non-200 answer): retry ourselves with backoff
          es.close();
          this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
          this.retryMs = Math.min(this.retryMs * 2, 15000);
        }
      };
      es.addEventListener('host', (e) => {
        let host;
        try {
          host = JSON.parse(e.data);
        } catch (_) {
          return;
        }
        if (host && typeof host.name === 'string' && this.handlers.onHost) this.handlers.onHost(host);
      });
      for (const type of ['migration', 'maintenance', 'notice']) {
        es.addEventListener(type, (e) => {
          if (this.handlers.onActivity) this.handlers.onActivity(type, e.data);
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

  // ---------------------------------------------------------------- token prompt

  function setupTokenForm() {
    const form = document.getElementById('token-form');
    const input = document.getElementById('token-input');
    const toggle = document.getElementById('token-toggle');
    const cancel = document.getElementById('token-cancel');
    if (!form || !input) return;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      setToken(input.value.trim());
      input.value = '';
      showTokenPrompt(false);
    });
    if (cancel) cancel.addEventListener('click', () => showTokenPrompt(false));
    if (toggle) toggle.addEventListener('click', () => showTokenPrompt(form.hidden, true));
    const refresh = () => {
      if (toggle) {
        const has = !!getToken();
        attr(toggle, 'data-has-token', has ? 'true' : 'false');
        text(toggle, has ? 'token ✓' : 'token');
        attr(toggle, 'aria-label', has ? 'Change the API token' : 'Enter the API token');
      }
    };
    document.addEventListener('vpanel:token', refresh);
    refresh();
  }

  function showTokenPrompt(visible, manual) {
    const form = document.getElementById('token-form');
    const label = document.getElementById('token-label');
    if (!form) return;
    if (label) {
      text(label, manual ? 'API token for the maintenance button:' : 'Token needed to use the maintenance button. Paste the API token:');
    }
    form.hidden = !visible;
    const toggle = document.getElementById('token-toggle');
    if (toggle) attr(toggle, 'aria-expanded', visible ? 'true' : 'false');
    if (visible) {
      const input = document.getElementById('token-input');
      if (input) input.focus();
    }
  }

  // ---------------------------------------------------------------- pages

  function setStatus(msg) {
    const el = document.getElementById('page-status');
    if (!el) return;
    text(el, msg || '');
    show(el, !!msg);
  }

  function initCluster() {
    const container = document.getElementById('panels');
    const panels = new Map();
    const totals = {
      hosts: document.getElementById('total-hosts'),
      vms: document.getElementById('total-vms'),
      maint: document.getElementById('total-maint'),
      moving: document.getElementById('total-moving'),
    };

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
      if (totals.maint) text(totals.maint, maint);
      if (totals.moving) text(totals.moving, moving);
    };

    const upsert = (host) => {
      let p = panels.get(host.name);
      if (!p) {
        p = new Panel(host.name, { link: true });
        panels.set(host.name, p);
        // keep panels sorted by name; existing nodes never move
        const names = [...panels.keys()].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
        const next = names[names.indexOf(host.name) + 1];
        container.insertBefore(p.root, next ? panels.get(next).root : null);
      }
      p.update(host);
      return p;
    };

    const load = async () => {
      try {
        const hosts = await fetchHosts();
        const seen = new Set();
        for (const host of hosts) {
          seen.add(host.name);
          upsert(host);
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

    const activity = document.getElementById('activity');
    let opened = false;
    const live = new Live({
      onOpen: () => {
        // (re)connected: the server replays every host; accept whatever version it has now
        // (it may have restarted and counted from 1 again), then re-fetch the list
        if (opened) for (const p of panels.values()) p.resetVersion();
        opened = true;
        load();
      },
      onHost: (host) => {
        upsert(host);
        setStatus('');
        recount();
      },
      onActivity: (type, data) => addActivity(activity, type, data),
    });

    document.addEventListener('vpanel:token', () => {
      for (const p of panels.values()) p.refreshLink();
    });

    load();
    live.start();
  }

  function initHost() {
    const params = new URLSearchParams(window.location.search);
    const name = (params.get('host') || '').trim();
    const container = document.getElementById('panels');
    const back = document.getElementById('back-link');
    const refreshBack = () => {
      if (back) attr(back, 'href', withToken('index.html'));
    };
    refreshBack();
    document.addEventListener('vpanel:token', refreshBack);

    if (!name) {
      setStatus('no host given: open host.html?host=NAME');
      return;
    }
    document.title = 'vpanel · ' + name;
    text(document.getElementById('host-title'), name);

    const details = document.getElementById('details');
    const panel = new Panel(name, { link: false, onUpdate: (host) => renderDetails(details, host) });
    let present = false;

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
        if (!present) container.append(panel.root);
        present = true;
        panel.update(host);
        setStatus('');
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
        if (!present) {
          container.append(panel.root);
          present = true;
          setStatus('');
        }
        panel.update(host);
      },
    });
    load();
    live.start();
  }

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
    set('since', m.since ? new Date(m.since).toLocaleString() : null);
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
  }

  function addActivity(list, type, raw) {
    if (!list) return;
    let summary = '';
    try {
      const d = JSON.parse(raw);
      if (d && typeof d === 'object') {
        const bits = [];
        for (const k of ['host', 'vm', 'from', 'to', 'state', 'action', 'status']) {
          if (d[k] != null && typeof d[k] !== 'object') bits.push(k === 'host' || k === 'vm' ? String(d[k]) : `${k} ${d[k]}`);
        }
        for (const k of ['message', 'text', 'reason', 'error']) {
          if (typeof d[k] === 'string' && d[k]) {
            bits.push(d[k]);
            break;
          }
        }
        summary = bits.length ? bits.join(' · ') : JSON.stringify(d);
      } else {
        summary = String(d);
      }
    } catch (_) {
      summary = String(raw);
    }
    if (summary.length > 160) summary = summary.slice(0, 157) + '…';
    const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const item = h('li', { class: 'activity-item', 'data-type': type },
      h('time', { text: time }), ' ', h('span', { class: 'activity-type', text: type }), ' ', h('span', { text: summary }));
    list.prepend(item);
    while (list.children.length > ACTIVITY_MAX) list.lastElementChild.remove();
  }

  // ---------------------------------------------------------------- boot

  function boot() {
    readTokenFromFragment();
    window.addEventListener('hashchange', readTokenFromFragment);
    setupTokenForm();
    // a held button must never stay held when the page loses focus or goes away
    window.addEventListener('blur', () => releaseAll(false));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') releaseAll(true);
    });
    window.addEventListener('pagehide', () => releaseAll(true));

    const page = document.body.dataset.page;
    if (page === 'cluster') initCluster();
    else if (page === 'host') initHost();
  }

  window.VPanel = { Panel, getToken, setToken, fetchHosts, version: 1 };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
