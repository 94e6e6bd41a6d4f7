/* How numbers, durations and progress read on the page. */

export function fmtBytes(n) {
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

export function fmtSeconds(sec) {
  if (typeof sec !== 'number' || !isFinite(sec) || sec < 0) return '?';
  if (sec < 60) return Math.ceil(sec) + ' s';
  const m = Math.floor(sec / 60);
  const r = Math.round(sec % 60);
  if (m < 60) return m + ' min ' + String(r).padStart(2, '0') + ' s';
  return Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
}

export function progressSummary(p) {
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

export function progressFraction(p) {
  if (!p) return null;
  if (typeof p.bytesTotal === 'number' && p.bytesTotal > 0 && typeof p.bytesLeft === 'number') {
    return clamp01(1 - p.bytesLeft / p.bytesTotal);
  }
  if (typeof p.vmsTotal === 'number' && p.vmsTotal > 0 && typeof p.vmsLeft === 'number') {
    return clamp01(1 - p.vmsLeft / p.vmsTotal);
  }
  return null;
}

export function clamp01(x) {
  return Math.min(1, Math.max(0, x));
}

/** An enum name for people: IN_MAINTENANCE -> in maintenance. */
export function lower(v) {
  return v == null ? '' : String(v).toLowerCase().replace(/_/g, ' ');
}

/** The time of day of an instant (ISO text or Date), hh:mm:ss in the page's locale. */
export function timeOfDay(when) {
  const date = when instanceof Date ? when : new Date(when);
  if (isNaN(date.getTime())) return '';
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Date and time of an instant, in the page's locale. */
export function dateTime(when) {
  const date = new Date(when);
  return isNaN(date.getTime()) ? '' : date.toLocaleString();
}
