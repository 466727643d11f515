/**
 * The mutating commands the UI offers, per target kind, with their parameter fields
 * (mirrors shared/commands/catalogue.py and params.py; the master validates regardless).
 * One row per action: adding one = one row + its catalogue strings.
 */
export type FieldType = 'int' | 'bool' | 'text' | 'container';

export interface Field {
  name: string;
  type: FieldType;
  required?: boolean;
  min?: number;
  max?: number;
  /** Where the value goes in nested params (`['limits', 'memory']`); default: `name` itself. */
  param?: [string, string];
}

export interface ActionDef {
  type: string;
  kinds: string[];
  fields: Field[];
  destructive: boolean;
}

export const ACTIONS: ActionDef[] = [
  {
    type: 'restart_pod',
    kinds: ['Pod'],
    fields: [{ name: 'force', type: 'bool' }],
    destructive: true,
  },
  {
    type: 'delete_pod',
    kinds: ['Pod'],
    fields: [{ name: 'grace_period_s', type: 'int', min: 0, max: 3600 }],
    destructive: true,
  },
  {
    type: 'scale',
    kinds: ['Deployment', 'StatefulSet'],
    fields: [
      { name: 'replicas', type: 'int', required: true, min: 0, max: 1000 },
      { name: 'allow_zero', type: 'bool' },
    ],
    destructive: false,
  },
  {
    type: 'rollout_restart',
    kinds: ['Deployment', 'StatefulSet', 'DaemonSet'],
    fields: [],
    destructive: false,
  },
  {
    type: 'set_image',
    kinds: ['Deployment', 'StatefulSet', 'DaemonSet'],
    fields: [
      { name: 'container', type: 'container', required: true },
      { name: 'image', type: 'text', required: true },
    ],
    destructive: false,
  },
  {
    // Quantities are checked by the master (a 422 names the bad one); empty fields stay unset.
    type: 'set_resources',
    kinds: ['Deployment', 'StatefulSet', 'DaemonSet'],
    fields: [
      { name: 'container', type: 'container', required: true },
      { name: 'memory_limit', type: 'text', param: ['limits', 'memory'] },
      { name: 'memory_request', type: 'text', param: ['requests', 'memory'] },
      { name: 'cpu_limit', type: 'text', param: ['limits', 'cpu'] },
      { name: 'cpu_request', type: 'text', param: ['requests', 'cpu'] },
    ],
    destructive: false,
  },
  {
    type: 'rollback',
    kinds: ['Deployment'],
    fields: [{ name: 'revision', type: 'int', min: 1 }],
    destructive: true,
  },
  { type: 'cordon', kinds: ['Node'], fields: [], destructive: false },
  { type: 'uncordon', kinds: ['Node'], fields: [], destructive: false },
  {
    type: 'drain',
    kinds: ['Node'],
    fields: [
      { name: 'delete_emptydir', type: 'bool' },
      { name: 'timeout_s', type: 'int', min: 1, max: 3600 },
      { name: 'grace_period_s', type: 'int', min: 0, max: 3600 },
    ],
    destructive: true,
  },
];

export function actionsFor(kind: string): ActionDef[] {
  return ACTIONS.filter((a) => a.kinds.includes(kind));
}

export type FormValues = Record<string, string | boolean>;

/** Form values → the command's params: ints parsed, empty optionals left out, fields with a
 * `param` path nested (`limits: { memory: '512Mi' }`). */
export function toParams(def: ActionDef, values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (f: Field, value: unknown) => {
    if (!f.param) {
      out[f.name] = value;
      return;
    }
    const [group, key] = f.param;
    out[group] = { ...((out[group] as Record<string, unknown> | undefined) ?? {}), [key]: value };
  };
  for (const f of def.fields) {
    const v = values[f.name];
    if (f.type === 'bool') {
      if (v === true) put(f, true);
    } else if (typeof v === 'string' && v.trim() !== '') {
      put(f, f.type === 'int' ? Number(v) : v.trim());
    }
  }
  return out;
}

/** Missing required fields and out-of-range numbers, by field name. */
export function problems(def: ActionDef, values: FormValues): string[] {
  const bad: string[] = [];
  for (const f of def.fields) {
    const v = values[f.name];
    const empty = v === undefined || v === '' || v === false;
    if (f.required && empty && f.type !== 'bool') bad.push(f.name);
    if (f.type === 'int' && typeof v === 'string' && v !== '') {
      const n = Number(v);
      if (
        !Number.isInteger(n) ||
        (f.min !== undefined && n < f.min) ||
        (f.max !== undefined && n > f.max)
      )
        bad.push(f.name);
    }
  }
  return bad;
}
