/** Where an SLO's page is (shared by the list, the fleet card and tests). */
export function sloPath(name: string): string {
  return `/slos/${encodeURIComponent(name)}`;
}
