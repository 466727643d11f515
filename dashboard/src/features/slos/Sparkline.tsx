/** An SLO's hourly burn rate as a small SVG line (React attributes only: nothing for the CSP). */
import { useTranslation } from 'react-i18next';
import { sparklinePath } from './model';

const W = 120;
const H = 24;

export function Sparkline({ values }: { values: (number | null)[] | undefined }) {
  const { t, i18n } = useTranslation();
  const points = values ?? [];
  if (!points.some((v) => v !== null)) {
    return <span className="muted">{t('slos.sparklineEmpty')}</span>;
  }
  const { d, max, oneY } = sparklinePath(points, W, H);
  const label = t('slos.sparkline', {
    max: new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 }).format(max),
  });
  const hot = max > 1;
  return (
    <svg
      className={`sparkline ${hot ? 'sparkline-hot' : ''}`}
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      <line className="sparkline-one" x1={0} x2={W} y1={oneY} y2={oneY} />
      <path d={d} />
    </svg>
  );
}
