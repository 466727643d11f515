/**
 * JSON values as block-style YAML, for reading (the detail pages' YAML tab). Pure and small on
 * purpose: it only writes, never parses, so it needs none of YAML's hard parts — only to quote
 * every string a YAML reader would take for something else (numbers, booleans, null, dates,
 * indicators, leading/trailing spaces), and to print multi-line strings as `|` blocks.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// Plain scalars YAML 1.1 or 1.2 would read as non-strings (or that would not round-trip).
const RESERVED =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|\.inf|\.Inf|\.INF|-\.inf|-\.Inf|-\.INF|\.nan|\.NaN|\.NAN)$/;
const NUMBERISH = /^[-+]?(?:\.?\d|0x|0o)|^\d{4}-\d\d-\d\d/;
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

function needsQuotes(s: string): boolean {
  return (
    s === '' ||
    RESERVED.test(s) ||
    NUMBERISH.test(s) ||
    INDICATOR.test(s) ||
    s !== s.trim() ||
    s.includes(': ') ||
    s.includes(' #') ||
    s.endsWith(':') ||
    // Control characters (tabs, newlines kept out of blocks) only survive escaped.
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(s)
  );
}

/** A double-quoted scalar: JSON's escaping is valid YAML. */
function quoted(s: string): string {
  return JSON.stringify(s);
}

export function scalar(v: null | boolean | number | string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : quoted(String(v));
  return needsQuotes(v) ? quoted(v) : v;
}

function key(k: string): string {
  return needsQuotes(k) || k.includes(' ') || k.includes('\n') ? quoted(k) : k;
}

/** A multi-line string as a literal block, when its lines allow one (no trailing spaces, tabs). */
function block(s: string, indent: string): string | null {
  if (!s.includes('\n') || /^[\n ]/.test(s) || / (?:\n|$)/.test(s)) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(s)) return null;
  const chomp = s.endsWith('\n') ? (s.endsWith('\n\n') ? '+' : '') : '-';
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  return `|${chomp}\n${body
    .split('\n')
    .map((line) => (line ? indent + line : ''))
    .join('\n')}`;
}

function isContainer(v: Json): v is Json[] | { [key: string]: Json } {
  return typeof v === 'object' && v !== null;
}

function isEmpty(v: Json[] | { [key: string]: Json }): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

function lines(v: Json, indent: string): string[] {
  if (!isContainer(v)) return [scalar(v)];
  if (Array.isArray(v)) {
    if (v.length === 0) return ['[]'];
    return v.flatMap((item) => {
      if (isContainer(item) && !isEmpty(item)) {
        const [first = '', ...rest] = lines(item, indent + '  ');
        // The first line of a nested mapping or sequence shares the dash's line.
        return [`${indent}- ${first.trimStart()}`, ...rest];
      }
      return [`${indent}- ${value(item, indent + '  ')}`];
    });
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return ['{}'];
  return entries.flatMap(([k, item]) => {
    if (isContainer(item) && !isEmpty(item))
      return [`${indent}${key(k)}:`, ...lines(item, Array.isArray(item) ? indent : indent + '  ')];
    return [`${indent}${key(k)}: ${value(item, indent + '  ')}`];
  });
}

function value(v: Json, indent: string): string {
  if (typeof v === 'string') return block(v, indent) ?? scalar(v);
  return isContainer(v) ? (Array.isArray(v) ? '[]' : '{}') : scalar(v);
}

/** The whole document, ending in a newline. Top-level scalars and empty containers too. */
export function toYaml(v: Json): string {
  if (!isContainer(v) || isEmpty(v)) return `${value(v, '  ')}\n`;
  return `${lines(v, '').join('\n')}\n`;
}
