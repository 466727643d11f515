import { useTranslation } from 'react-i18next';

export const ROLES = ['viewer', 'operator', 'admin'] as const;

export function RoleSelect({
  value,
  onChange,
  allowNone = false,
  label,
  hideLabel = false,
}: {
  value: string;
  onChange: (v: string) => void;
  allowNone?: boolean;
  label?: string;
  /** In a table row the column header says "Role": the label is for screen readers only. */
  hideLabel?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <label>
      <span className={hideLabel ? 'visually-hidden' : undefined}>{label ?? t('admin.role')}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {allowNone && <option value="">{t('admin.roleNone')}</option>}
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`roles.${r}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
