import { ErrorState } from '../../ui/States';

export function MutationError({ error }: { error: unknown }) {
  return error ? <ErrorState error={error} /> : null;
}
