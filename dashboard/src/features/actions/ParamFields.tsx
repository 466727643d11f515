/** The parameter inputs of one action, labelled (catalogue strings per type and field). */
import { useTranslation } from 'react-i18next';
import type { ActionDef, FormValues } from './catalogue';

export function ParamFields({
  def,
  values,
  containers,
  invalid,
  disabled,
  onChange,
}: {
  def: ActionDef;
  values: FormValues;
  containers: string[];
  invalid: string[];
  disabled: boolean;
  onChange: (name: string, value: string | boolean) => void;
}) {
  const { t } = useTranslation();
  if (def.fields.length === 0) return null;
  return (
    <fieldset className="form" disabled={disabled}>
      <legend className="visually-hidden">{t('actions.parameters')}</legend>
      {def.fields.map((f) => {
        const label = t(`actions.fields.${f.name}`);
        const id = `param-${f.name}`;
        const bad = invalid.includes(f.name);
        if (f.type === 'bool')
          return (
            <label key={f.name} className="checkbox">
              <input
                id={id}
                type="checkbox"
                checked={values[f.name] === true}
                onChange={(e) => onChange(f.name, e.target.checked)}
              />{' '}
              {label}
            </label>
          );
        if (f.type === 'container')
          return (
            <label key={f.name}>
              {label}
              <select
                id={id}
                value={String(values[f.name] ?? '')}
                aria-invalid={bad}
                onChange={(e) => onChange(f.name, e.target.value)}
              >
                <option value="">{t('actions.choose')}</option>
                {containers.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
          );
        return (
          <label key={f.name}>
            {label}
            <input
              id={id}
              type={f.type === 'int' ? 'number' : 'text'}
              inputMode={f.type === 'int' ? 'numeric' : undefined}
              min={f.min}
              max={f.max}
              required={f.required}
              aria-invalid={bad}
              value={String(values[f.name] ?? '')}
              onChange={(e) => onChange(f.name, e.target.value)}
            />
          </label>
        );
      })}
    </fieldset>
  );
}
