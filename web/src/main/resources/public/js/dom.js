/*
 * DOM helpers. Every piece of data-derived text goes through textContent or setAttribute, never
 * through HTML parsing.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An HTML element with attributes ({text: ...} sets textContent) and children. */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

/** An SVG element, the same way. */
export function s(tag, attrs, ...children) {
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

/** Sets an attribute only when it changes (keeps mutation observers and assistive tech calm). */
export function attr(node, name, value) {
  const v = String(value);
  if (node.getAttribute(name) !== v) node.setAttribute(name, v);
}

/** Sets the text only when it changes. */
export function text(node, value) {
  const v = value == null ? '' : String(value);
  if (node.textContent !== v) node.textContent = v;
}

export function show(node, visible) {
  if (node.hidden === visible) node.hidden = !visible;
}
