import { describe, expect, it } from 'vitest';
import type { Me } from '../src/api/types';
import { canOperate, isAdmin } from '../src/auth/permissions';

const me = (role: string, grants: Me['grants'] = []): Me => ({
  name: 'u',
  kind: 'user',
  role,
  groups: [],
  grants,
});

describe('permissions', () => {
  it('a viewer operates nowhere; an operator everywhere; an admin is admin', () => {
    expect(canOperate(me('viewer'), 'c', 'ns')).toBe(false);
    expect(canOperate(me('operator'), 'c', 'ns')).toBe(true);
    expect(isAdmin(me('operator'))).toBe(false);
    expect(isAdmin(me('admin'))).toBe(true);
  });

  it('a namespace grant allows only that namespace, not cluster-scoped targets', () => {
    const m = me('', [{ role: 'operator', cluster: 'c', namespace: 'shop' }]);
    expect(canOperate(m, 'c', 'shop')).toBe(true);
    expect(canOperate(m, 'c', 'other')).toBe(false);
    expect(canOperate(m, 'c', '')).toBe(false);
    expect(canOperate(m, 'd', 'shop')).toBe(false);
  });

  it('a viewer grant never allows operating', () => {
    expect(canOperate(me('', [{ role: 'viewer', cluster: '', namespace: '' }]), 'c', 'x')).toBe(
      false,
    );
  });
});
