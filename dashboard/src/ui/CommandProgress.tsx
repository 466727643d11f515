/** A command's transitions, state chip, message and result (logs/describe text as text). */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { CommandView } from '../api/types';
import { CriticalIcon, InfoIcon, OkIcon, WarningIcon } from './icons';
import { SeverityChip } from './SeverityChip';
import { RelTime } from './Time';

export function stateLevel(state: string): string {
  if (state === 'succeeded') return 'ok';
  if (['failed', 'timed_out', 'rejected'].includes(state)) return 'critical';
  if (state === 'cancelled') return 'warning';
  return 'info';
}

const STATE_ICONS = { ok: OkIcon, critical: CriticalIcon, warning: WarningIcon, info: InfoIcon };

/** A command state as a chip: colour, icon and the state's own name (an API value, untranslated). */
export function CommandStateChip({ state }: { state: string }) {
  const level = stateLevel(state) as keyof typeof STATE_ICONS;
  const Icon = STATE_ICONS[level];
  return (
    <span className={`chip chip-${level}`}>
      <Icon />
      <span>{state}</span>
    </span>
  );
}

export function resultText(result: unknown): string | null {
  if (result && typeof result === 'object' && 'text' in result) {
    const text = (result as { text: unknown }).text;
    if (typeof text === 'string') return text;
  }
  return null;
}

export function CommandResult({ command }: { command: CommandView }) {
  const { t } = useTranslation();
  const text = resultText(command.result);
  return (
    <div>
      {command.error_code && (
        <p className="form-error">
          <SeverityChip severity="critical" /> <code>{command.error_code}</code> {command.message}
        </p>
      )}
      {command.result != null && (
        <pre className="output" aria-label={t('commands.result')}>
          {text ?? JSON.stringify(command.result, null, 2)}
        </pre>
      )}
    </div>
  );
}

export function CommandProgress({
  command,
  link = true,
}: {
  command: CommandView;
  link?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <div aria-live="polite">
      <p>
        <CommandStateChip state={command.state} />{' '}
        {command.dry_run && <span className="muted">{t('commands.dryRun')} </span>}
        {link && (
          <Link to={`/commands/${encodeURIComponent(command.id)}`}>{t('commands.open')}</Link>
        )}
      </p>
      {command.transitions && (
        <ol className="transitions" aria-label={t('commands.transitions')}>
          {command.transitions.map((tr, i) => (
            <li key={i}>
              <CommandStateChip state={tr.state} />
              <RelTime ms={tr.at_ms} />
              {tr.message && <span className="muted">{tr.message}</span>}
            </li>
          ))}
        </ol>
      )}
      <CommandResult command={command} />
    </div>
  );
}
