// @ts-check
/**
 * Element builders for the dashboard's views: `h('td', { testid: 'lag' }, 12)` instead of
 * innerHTML, so a topic or group name is always text, never markup.
 *
 * Attributes: `class`, `testid` (data-testid, the real-browser test's handle), `title`, `href`,
 * `style` (an object of CSS properties), `data` (data-* attributes), `on` (event listeners);
 * anything else is set as an attribute. Children: nodes, strings, numbers; null and false are
 * skipped, arrays flattened.
 */

/** @typedef {Node | string | number | null | undefined | false} Leaf */
/** @typedef {Leaf | Leaf[] | Leaf[][]} Child */
/**
 * @typedef {{
 *   class?: string,
 *   testid?: string,
 *   title?: string,
 *   style?: Record<string, string>,
 *   data?: Record<string, string | number>,
 *   on?: Record<string, (event: Event) => void>,
 *   [name: string]: unknown,
 * }} Attrs
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * @param {Element} el
 * @param {Attrs} attrs
 */
function applyAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'testid') el.setAttribute('data-testid', String(value));
    else if (name === 'style') {
      const style = /** @type {HTMLElement} */ (el).style;
      for (const [prop, v] of Object.entries(/** @type {Record<string, string>} */ (value))) {
        style.setProperty(prop, v);
      }
    } else if (name === 'data') {
      for (const [key, v] of Object.entries(/** @type {Record<string, string | number>} */ (value))) {
        el.setAttribute(`data-${key}`, String(v));
      }
    } else if (name === 'on') {
      for (const [type, fn] of Object.entries(/** @type {Record<string, (e: Event) => void>} */ (value))) {
        el.addEventListener(type, fn);
      }
    } else el.setAttribute(name, String(value));
  }
}

/**
 * @param {Node} parent
 * @param {Child[]} children
 */
function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (typeof child === 'string' || typeof child === 'number') {
      parent.appendChild(document.createTextNode(String(child)));
    } else parent.appendChild(child);
  }
}

/**
 * An HTML element.
 * @param {string} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * An SVG element.
 * @param {string} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {SVGElement}
 */
export function s(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * A table: a header row and one row per item.
 * @template T
 * @param {string} testid
 * @param {string[]} headers
 * @param {T[]} items
 * @param {(item: T) => HTMLElement} row
 */
export function table(testid, headers, items, row) {
  return h(
    'table',
    { testid },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((name) => h('th', {}, name)),
      ),
    ),
    h('tbody', {}, items.map(row)),
  );
}

/**
 * A figure with a label; `value` also goes into data-value so a test can read the number.
 * @param {string} testid @param {string} label @param {string} text @param {number} value
 * @param {string} [tone] 'bad' highlights a nonzero count
 */
export function stat(testid, label, text, value, tone) {
  return h(
    'div',
    { class: `stat ${tone && value > 0 ? tone : ''}` },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value', testid, data: { value } }, text),
  );
}
