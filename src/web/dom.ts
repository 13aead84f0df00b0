// Tiny DOM helpers: building elements without innerHTML (chain data is untrusted text), finding
// required elements, and copy buttons.
import { nameText } from './untrusted-text';

type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** `5Grwva…utQY`: enough to recognise an address, short enough for a phone. */
export function shortAddress(address: string): string {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export function shortHash(value: string | null | undefined): string {
  if (!value) return '—';
  const [algorithm, hex] = value.includes(':') ? value.split(':', 2) : ['', value];
  const short = hex.length > 16 ? `${hex.slice(0, 12)}…` : hex;
  return algorithm ? `${algorithm}:${short}` : short;
}

/** A `<code>` with the full text and a button that copies it. */
export function copyable(text: string, label: string): HTMLElement {
  const button = h('button', { type: 'button', class: 'copy', 'aria-label': `Copy ${label}` }, 'Copy');
  button.addEventListener('click', async () => {
    const done = await copyText(text);
    button.textContent = done ? 'Copied' : 'Select and copy';
    setTimeout(() => (button.textContent = 'Copy'), 2000);
  });
  return h('div', { class: 'copyable' }, h('code', {}, text), button);
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard access needs a secure context or permission; the text stays selectable.
    return false;
  }
}

export function formatBytes(size: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  // Not a date: the index's raw text, shown escaped like any name.
  return Number.isNaN(date.getTime()) ? nameText(String(iso)) : date.toLocaleString();
}
