/**
 * What the signed-in principal may do, from GET /auth/me grants: decides which buttons show.
 * The server refuses regardless; this only keeps the UI honest. Pure.
 */
import type { Me } from '../api/types';

const OPERATES = new Set(['operator', 'admin']);

function covers(g: { cluster: string; namespace: string }, cluster: string, namespace: string) {
  return (
    (g.cluster === '' || g.cluster === cluster) && (g.namespace === '' || g.namespace === namespace)
  );
}

/** May run commands on a target in cluster/namespace ('' namespace: cluster-scoped, e.g. Node). */
export function canOperate(me: Me | undefined, cluster: string, namespace: string): boolean {
  if (!me) return false;
  if (OPERATES.has(me.role)) return true;
  return me.grants.some((g) => OPERATES.has(g.role) && covers(g, cluster, namespace));
}

export function isAdmin(me: Me | undefined): boolean {
  if (!me) return false;
  return (
    me.role === 'admin' ||
    me.grants.some((g) => g.role === 'admin' && g.cluster === '' && g.namespace === '')
  );
}

/** Operates somewhere: globally or through any cluster / namespace grant. */
export function operatesSomewhere(me: Me | undefined): boolean {
  if (!me) return false;
  return OPERATES.has(me.role) || me.grants.some((g) => OPERATES.has(g.role));
}

/** Operators see the audit log (their own entries); admins see everyone's. */
export const canSeeAudit = operatesSomewhere;
