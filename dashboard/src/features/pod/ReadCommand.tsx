/**
 * Logs and describe: read-only commands through the command path (the agent redacts), shown
 * as text with a download. Needs operate permission like every command.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommandView } from '../../api/types';
import { CommandProgress, resultText } from '../../ui/CommandProgress';
import { ErrorState } from '../../ui/States';
import { follow, newKey, submit, type Target } from '../actions/run';

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

export function PodLogs({ target, containers }: { target: Target; containers: string[] }) {
  const { t } = useTranslation();
  const [container, setContainer] = useState(containers[0] ?? '');
  const [previous, setPrevious] = useState(false);
  const [tail, setTail] = useState('200');
  return (
    <ReadCommand
      target={target}
      type="pod_logs"
      params={{ container: container || undefined, previous, tail_lines: Number(tail) || 200 }}
      label={t('pod.fetchLogs')}
      filename={`${target.name}-${container}.log`}
    >
      <label>
        {t('pod.container')}
        <select value={container} onChange={(e) => setContainer(e.target.value)}>
          {containers.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('pod.tailLines')}
        <input
          type="number"
          min={1}
          max={10000}
          value={tail}
          onChange={(e) => setTail(e.target.value)}
        />
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={previous} onChange={(e) => setPrevious(e.target.checked)} />{' '}
        {t('pod.previous')}
      </label>
    </ReadCommand>
  );
}

export function ReadCommand({
  target,
  type,
  params,
  label,
  filename,
  children,
}: {
  target: Target;
  type: string;
  params: Record<string, unknown>;
  label: string;
  filename: string;
  children?: React.ReactNode;
}) {
  const { t } = useTranslation();
  const [command, setCommand] = useState<CommandView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      const first = await submit(target, type, params, {
        dryRun: false,
        idempotencyKey: newKey(),
        waitS: 20,
      });
      await follow(first, setCommand, new AbortController().signal);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const text = command ? resultText(command.result) : null;
  return (
    <div>
      <div className="form">
        {children}
        <button type="button" className="primary" disabled={busy} onClick={() => void run()}>
          {busy ? t('common.loading') : label}
        </button>
        {text !== null && (
          <button type="button" onClick={() => download(filename, text)}>
            {t('pod.download')}
          </button>
        )}
      </div>
      {error !== null && <ErrorState error={error} onRetry={() => void run()} />}
      {command && <CommandProgress command={command} />}
    </div>
  );
}
