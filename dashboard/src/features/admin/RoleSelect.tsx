import { useTranslation } from 'react-i18next';

export const ROLES = ['viewer', 'operator', 'admin'] as const;

export function RoleSelect({
  value,
  onChange,
  allowNone = false,
  label,
}: {
  value: string;
  onChange: (v: string) => void;
  allowNone?: boolean;
  label?: string;
}) {
  const { t } = useTranslation();
  return (
    <label>
      {label ?? t('admin.role')}
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
