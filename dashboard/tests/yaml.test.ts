import { describe, expect, it } from 'vitest';
import { yamlOf } from '../src/shared/YamlView';
import { scalar, toYaml } from '../src/shared/yaml';
import { pod } from './fixtures';

describe('scalar', () => {
  it('leaves plain words and paths plain', () => {
    expect(
      ['web', 'registry.local/web:5.0.3', 'a b', 'app.kubernetes.io/name'].map(scalar),
    ).toEqual(['web', 'registry.local/web:5.0.3', 'a b', 'app.kubernetes.io/name']);
  });

  it('quotes strings a YAML reader would take for another type', () => {
    for (const s of [
      'true',
      'no',
      'Off',
      'null',
      '~',
      '8080',
      '1.0',
      '-1',
      '0x1f',
      '.5',
      '2026-01-01T00:00:00Z',
      '.inf',
    ])
      expect(scalar(s)).toBe(JSON.stringify(s));
  });

  it('quotes indicators, key-like text, comments, edges and control characters', () => {
    for (const s of [
      '',
      '*',
      '- x',
      '{a}',
      '"q"',
      "'q'",
      '#c',
      'a: b',
      'a #b',
      'end:',
      ' pad',
      'pad ',
      'tab\there',
    ])
      expect(scalar(s)).toBe(JSON.stringify(s));
  });

  it('writes numbers, booleans and null as YAML scalars', () => {
    expect([scalar(3), scalar(-0.5), scalar(true), scalar(false), scalar(null)]).toEqual([
      '3',
      '-0.5',
      'true',
      'false',
      'null',
    ]);
  });
});

describe('toYaml', () => {
  it('nests mappings by two spaces and puts sequences under their key', () => {
    expect(
      toYaml({
        metadata: { name: 'web', labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' } },
        spec: { ports: [{ port: 80, protocol: 'TCP' }, { port: 443 }], selector: { app: 'web' } },
      }),
    ).toBe(
      [
        'metadata:',
        '  name: web',
        '  labels:',
        '    app: web',
        '    app.kubernetes.io/part-of: shop',
        'spec:',
        '  ports:',
        '  - port: 80',
        '    protocol: TCP',
        '  - port: 443',
        '  selector:',
        '    app: web',
        '',
      ].join('\n'),
    );
  });

  it('writes empty containers inline and scalars in sequences after the dash', () => {
    expect(toYaml({ a: {}, b: [], c: ['x', 1, null, [], {}], d: [['p', 'q']] })).toBe(
      [
        'a: {}',
        'b: []',
        'c:',
        '- x',
        '- 1',
        '- null',
        '- []',
        '- {}',
        'd:',
        '- - p',
        '  - q',
        '',
      ].join('\n'),
    );
  });

  it('quotes keys that need it', () => {
    expect(toYaml({ 'a: b': 1, '': 2, 'with space': 3, yes: 4 })).toBe(
      ['"a: b": 1', '"": 2', '"with space": 3', '"yes": 4', ''].join('\n'),
    );
  });

  it('prints a multi-line string as a literal block, with its final newline kept or stripped', () => {
    expect(toYaml({ msg: 'line one\nline two' })).toBe('msg: |-\n  line one\n  line two\n');
    expect(toYaml({ msg: 'one\n\ntwo\n' })).toBe('msg: |\n  one\n\n  two\n');
    expect(toYaml({ list: ['a\nb'] })).toBe('list:\n- |-\n  a\n  b\n');
  });

  it('quotes a multi-line string that a block would change (trailing spaces, leading indent)', () => {
    expect(toYaml({ m: 'a \nb' })).toBe(`m: ${JSON.stringify('a \nb')}\n`);
    expect(toYaml({ m: '  a\nb' })).toBe(`m: ${JSON.stringify('  a\nb')}\n`);
  });

  it('writes a top-level scalar or empty value as one line', () => {
    expect([toYaml('x'), toYaml(7), toYaml({}), toYaml([])]).toEqual([
      'x\n',
      '7\n',
      '{}\n',
      '[]\n',
    ]);
  });
});

describe('yamlOf', () => {
  it('puts the kind first, then the body as the agent sent it', () => {
    const text = yamlOf(pod('web-1', { ns: 'shop' }));
    expect(text.split('\n').slice(0, 4)).toEqual([
      'kind: Pod',
      'metadata:',
      '  name: web-1',
      '  namespace: shop',
    ]);
    expect(text).toContain('  creationTimestamp: "2026-01-01T00:00:00Z"\n');
  });
});
