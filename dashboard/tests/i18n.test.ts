/**
 * Translation completeness: every key in en exists in zh and ja and vice versa; every key the
 * source uses exists; and no JSX text literal outside t() (a scan of the .tsx files).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en';
import { ja } from '../src/i18n/ja';
import { zh } from '../src/i18n/zh';

function flatten(obj: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v as object, key)) out.set(kk, vv);
  }
  return out;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const SRC = join(__dirname, '..', 'src');
const sources = files(SRC).filter(
  (f) => /\.(ts|tsx)$/.test(f) && !f.includes('/i18n/') && !f.endsWith('.d.ts'),
);
const keysOf = (m: Map<string, string>) => [...m.keys()].sort();
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  const base = flatten(en);
  for (const [name, cat] of [
    ['zh', zh],
    ['ja', ja],
  ] as const) {
    it(`${name} has exactly en's keys`, () => {
      expect(keysOf(flatten(cat))).toEqual(keysOf(base));
    });
    it(`${name} keeps every interpolation placeholder`, () => {
      for (const [k, v] of flatten(cat))
        expect([k, placeholders(v)]).toEqual([k, placeholders(base.get(k) ?? '')]);
    });
    it(`${name} has no empty strings`, () => {
      for (const [k, v] of flatten(cat)) expect([k, v.trim().length > 0]).toEqual([k, true]);
    });
  }

  it('every literal key used in the source exists in en', () => {
    const missing: string[] = [];
    for (const f of sources) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) {
        if (!base.has(m[1]!) && !base.has(`${m[1]}_other`)) missing.push(`${f}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('no JSX text literal outside t()', () => {
    const offenders: string[] = [];
    for (const f of sources.filter((s) => s.endsWith('.tsx'))) {
      const text = readFileSync(f, 'utf8');
      // Text between a tag's end `>` and the next `<`, on JSX lines: letters there are literals.
      for (const m of text.matchAll(/(?<![=-])>([^<>{}]*)</g)) {
        const body = m[1]!.trim();
        if (!/\p{L}{2,}/u.test(body)) continue;
        if (/[=;()]|=>|&&|\?\?/.test(body)) continue; // code (generics, arrows), not JSX text
        offenders.push(`${f.slice(SRC.length)}: ${body}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
