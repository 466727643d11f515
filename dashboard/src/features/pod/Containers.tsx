/** A pod's containers: image, state, last state with reason and exit code, restarts, resources. */
import { useTranslation } from 'react-i18next';
import type { K8sObject } from '../../api/types';

interface Spec {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface StateBlock {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; finishedAt?: string };
}
interface Status {
  name: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  state?: StateBlock;
  lastState?: StateBlock;
}

function describeState(s: StateBlock | undefined): string {
  if (!s) return '';
  if (s.waiting) return `waiting: ${s.waiting.reason ?? ''}`;
  if (s.running) return 'running';
  if (s.terminated)
    return `terminated: ${s.terminated.reason ?? ''}${s.terminated.exitCode !== undefined ? ` (exit ${s.terminated.exitCode})` : ''}`;
  return '';
}

function resources(r: Spec['resources']): string {
  const fmt = (m?: Record<string, string>) =>
    m
      ? Object.entries(m)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '';
  return [fmt(r?.requests), fmt(r?.limits)].filter(Boolean).join(' / ');
}

export function containerNames(obj: K8sObject): string[] {
  return ((obj.spec?.containers ?? []) as Spec[]).map((c) => c.name);
}

export function Containers({ obj }: { obj: K8sObject }) {
  const { t } = useTranslation();
  const specs = (obj.spec?.containers ?? []) as Spec[];
  const statuses = (obj.status?.containerStatuses ?? []) as Status[];
  return (
    <table className="table compact">
      <thead>
        <tr>
          <th scope="col">{t('pod.container')}</th>
          <th scope="col">{t('pod.image')}</th>
          <th scope="col">{t('pod.ready')}</th>
          <th scope="col">{t('pod.state')}</th>
          <th scope="col">{t('pod.lastState')}</th>
          <th scope="col">{t('pods.table.restarts')}</th>
          <th scope="col">{t('pod.resources')}</th>
        </tr>
      </thead>
      <tbody>
        {specs.map((c) => {
          const s = statuses.find((x) => x.name === c.name);
          return (
            <tr key={c.name}>
              <td className="mono">{c.name}</td>
              <td className="mono">{c.image}</td>
              <td>{s?.ready ? t('common.yes') : t('common.no')}</td>
              <td className="mono">{describeState(s?.state)}</td>
              <td className="mono">{describeState(s?.lastState)}</td>
              <td>{s?.restartCount ?? 0}</td>
              <td className="mono">{resources(c.resources)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
