/** The cluster an instance id (`<cluster>/<member>`) belongs to. */
export function clusterOfInstance(id: string): string {
  return id.split('/')[0] ?? '';
}
