/** A destructive button that needs a second click (the first names what will happen). */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

export function ConfirmButton({
  label,
  onConfirm,
  disabled,
}: {
  label: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const id = setTimeout(() => setArmed(false), 5_000); // disarm if not confirmed soon
    return () => clearTimeout(id);
  }, [armed]);
  return armed ? (
    <button
      type="button"
      className="danger"
      disabled={disabled}
      onClick={() => {
        setArmed(false);
        onConfirm();
      }}
    >
      {t('common.confirmThis', { action: label })}
    </button>
  ) : (
    <button type="button" disabled={disabled} onClick={() => setArmed(true)}>
      {label}
    </button>
  );
}
